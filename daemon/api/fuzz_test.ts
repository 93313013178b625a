/**
 * Malformed input on both transports: random JSON, wrong types, garbage bytes and oversized
 * payloads must only ever produce typed errors (never `internal`, never a 500), and the servers
 * must keep serving afterwards. Seeded, so a failure reproduces.
 */
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { errorFromGrpcStatus, isErrorCode } from "../../proto/mod.ts";
import { createDispatcher } from "./dispatcher.ts";
import { standardGates } from "./gates.ts";
import { createGrpcServer } from "./grpc_server.ts";
import { createLocalApp, defaultMaxBodyBytes } from "./local_app.ts";
import { callGrpc, callJson, fakeAuthenticate, fakeTable } from "./_testing.ts";
import { mintCa } from "../../tests/_pki.ts";

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

const paths = [
  "/jaco.v1.Tokens/Issue",
  "/jaco.v1.Deploy/Rollback",
  "/jaco.v1.Deploy/Logs",
  "/jaco.v1.Deploy/Apply",
  "/jaco.v1.Audit/Query",
  "/jaco.v1.Cluster/Status",
];
const fieldNames = [
  "identity",
  "allowsPrivileged",
  "deployment",
  "follow",
  "since_seconds",
  "jacoYaml",
  "dryRun",
  "types",
  "since",
  "revision",
  "bogus",
];

function randomValue(random: () => number, depth = 0): unknown {
  const pick = Math.floor(random() * (depth > 2 ? 6 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return Math.floor((random() - 0.5) * 2 ** 40) / (random() < 0.2 ? 3 : 1);
    case 3:
      return "";
    case 4:
      return String.fromCharCode(...Array.from({ length: 8 }, () => 32 + random() * 95));
    case 5:
      return ["AUDIT_EVENT_TYPE_BACKUP_TAKEN", "2026-01-01T00:00:00Z", "AQ==", "-0", "1e400"][
        Math.floor(random() * 5)
      ];
    case 6:
      return Array.from({ length: Math.floor(random() * 3) }, () => randomValue(random, depth + 1));
    default:
      return randomObject(random, depth + 1);
  }
}

function randomObject(random: () => number, depth = 0): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  const count = Math.floor(random() * 4);
  for (let index = 0; index < count; index++) {
    object[fieldNames[Math.floor(random() * fieldNames.length)]] = randomValue(random, depth);
  }
  return object;
}

function randomBody(random: () => number): string {
  const text = JSON.stringify(randomObject(random));
  switch (Math.floor(random() * 4)) {
    case 0:
      return text.slice(0, Math.floor(random() * text.length)); // truncated
    case 1:
      return JSON.stringify(randomValue(random)); // any JSON value
    default:
      return text;
  }
}

Deno.test("local API fuzz: malformed JSON, wrong types and oversized bodies are typed errors", async () => {
  const random = seededRandom(20261122);
  const dispatcher = createDispatcher(
    fakeTable(),
    standardGates({ isInitialized: () => true, authenticate: fakeAuthenticate }),
  );
  const app = createLocalApp(dispatcher, { maxBodyBytes: 512 });
  const fetchApp = (request: Request) => app.fetch(request);
  let refused = 0;
  for (let round = 0; round < 400; round++) {
    const path = paths[round % paths.length];
    const body = round % 50 === 0 ? "x".repeat(513) : randomBody(random);
    const outcome = await callJson(fetchApp, path, body);
    assert.notEqual(outcome.status, 500, `${path} ${body}`);
    if (outcome.error) {
      refused += 1;
      assert.ok(isErrorCode(outcome.error.code), `${path} ${body}`);
      assert.notEqual(outcome.error.code, "internal", `${path} ${body}`);
      assert.equal(typeof outcome.error.message, "string");
    }
  }
  assert.ok(refused > 100, `only ${refused} refusals: the fuzz is not reaching validation`);
  const still = await callJson(fetchApp, "/jaco.v1.Cluster/Status", {});
  assert.equal(still.status, 200);
});

Deno.test("local API refuses a body over the default 16 MiB limit while reading it", async () => {
  const app = createLocalApp(
    createDispatcher(
      fakeTable(),
      standardGates({ isInitialized: () => true, authenticate: fakeAuthenticate }),
    ),
  );
  const chunk = new Uint8Array(1024 * 1024).fill(0x20);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent > defaultMaxBodyBytes) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  const response = await app.fetch(
    new Request("http://jaco/jaco.v1.Tokens/Issue", { method: "POST", body }),
  );
  assert.equal(response.status, 400);
  assert.deepEqual(await response.json(), {
    code: "validation_failed",
    message: `request body exceeds ${defaultMaxBodyBytes} bytes`,
    details: { limit_bytes: String(defaultMaxBodyBytes) },
  });
});

Deno.test("gRPC API fuzz: garbage protobuf bytes and oversized messages never crash", async () => {
  const random = seededRandom(7000);
  const authority = await mintCa("JACO Cluster CA");
  const identity = await authority.sign({
    commonName: "node-a",
    dnsNames: ["localhost", "node-a"],
  });
  const server = createGrpcServer(
    createDispatcher(
      fakeTable(),
      standardGates({ isInitialized: () => true, authenticate: fakeAuthenticate }),
    ),
    {
      tls: {
        caPem: authority.cert,
        certPem: identity.cert,
        keyPem: identity.key,
        requireClientCert: "optional",
      },
      maxMessageBytes: 1024,
    },
  );
  const port = await server.listen("127.0.0.1:0");
  const passthrough = (bytes: Buffer) => bytes;
  const rawDefinition = Object.fromEntries(paths.map((path) => [path, {
    path,
    requestStream: false,
    responseStream: path.endsWith("/Logs") || path.endsWith("/Query"),
    requestSerialize: passthrough,
    requestDeserialize: passthrough,
    responseSerialize: passthrough,
    responseDeserialize: passthrough,
  }]));
  const Raw = grpc.makeGenericClientConstructor(rawDefinition, "Raw");
  const client = new Raw(
    `127.0.0.1:${port}`,
    grpc.credentials.createSsl(Buffer.from(authority.cert)),
    { "grpc.ssl_target_name_override": "localhost" },
  ) as unknown as Record<string, CallableFunction> & grpc.Client;
  const metadata = new grpc.Metadata();
  metadata.set("authorization", "Bearer good");
  const codes = new Map<string, number>();
  try {
    for (let round = 0; round < 200; round++) {
      const path = paths[round % paths.length];
      const size = round % 40 === 0 ? 2048 : Math.floor(random() * 64);
      const bytes = Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256)));
      const error = await new Promise<grpc.ServiceError | undefined>((resolve) => {
        if (rawDefinition[path].responseStream) {
          const call = client[path](bytes, metadata) as grpc.ClientReadableStream<Buffer>;
          call.on("data", () => {});
          call.on("error", resolve);
          call.on("end", () => resolve(undefined));
        } else {
          client[path](
            bytes,
            metadata,
            (failure: grpc.ServiceError | null) => resolve(failure ?? undefined),
          );
        }
      });
      if (!error) continue;
      const typed = errorFromGrpcStatus(error);
      const key = typed.code === "internal" ? `internal/${typed.details.code}` : typed.code;
      codes.set(key, (codes.get(key) ?? 0) + 1);
      if (size > 1024) {
        assert.equal(error.code, grpc.status.RESOURCE_EXHAUSTED, `${path} ${size} bytes`);
      } else {
        assert.notEqual(typed.code, "internal", `${path}: ${error.message}`);
      }
    }
    assert.ok((codes.get("validation_failed") ?? 0) > 0, JSON.stringify([...codes]));
    const still = await callGrpc("/jaco.v1.Deploy/Rollback", { deployment: "web" }, {
      port,
      caPem: authority.cert,
      token: "good",
    });
    assert.deepEqual(still.response, { revision: 3 });
  } finally {
    client.close();
    await server.shutdown();
  }
});
