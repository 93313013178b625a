/**
 * Bad input against ONE real initialized jacod over both transports (the JSON API on the unix
 * socket and gRPC over TLS with a valid operator token): malformed and truncated JSON, every
 * field of Tokens.Issue, Tokens.Revoke, Cluster.IssueJoinToken, Audit.Query and Deploy.Apply
 * sent with each wrong JSON type, wrong protobuf wire types, random bytes as protobuf, unknown
 * methods, truncated gRPC frames and HTTP requests, payloads over the 16 MiB limits, bad
 * `authorization` values and an oversized header. Every answer must be a
 * typed error whose code is in the closed set and whose HTTP/gRPC status is the code's; only the
 * read-only Audit.Query may accept an input. The daemon must stay up and its state (token list,
 * audit event count, cluster status with raft index) must be unchanged. Seeded, so a failure
 * reproduces (`JACO_FUZZ_SEED=<n>`).
 *
 * Decisions: fields are discovered from the request codecs, so new fields are fuzzed too.
 * Protobuf cases are only sent when the generated decoder itself refuses the bytes, or when what
 * it decodes cannot be a valid write (proto3 skips unknown fields and wire-type mismatches, so
 * such bytes are a legitimate request, e.g. an empty IssueJoinToken that would mint a token).
 * grpc-js answers three cases before any JACO handler runs — an unknown method (UNIMPLEMENTED),
 * an oversized message (RESOURCE_EXHAUSTED) and a truncated frame (UNIMPLEMENTED "received no
 * request message") — with a bare status, and Deno's HTTP server answers a 100 kB header or a
 * garbage request line with an empty 400 and a head cut short with nothing; errors.md §1 lets clients synthesize the code from the status, so those are
 * accepted bare, and only for those cases. All gRPC calls share one channel that is closed only
 * after the daemon is SIGKILLed: a grpc-js GOAWAY on a connection that carried many calls can
 * abort jacod (or the client) inside Deno 2.9.6's nghttp2 — reported separately, a runtime bug
 * rather than an input this test fuzzes.
 *
 * @module
 */
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import http2 from "node:http2";
import tls from "node:tls";
import { Buffer } from "node:buffer";
import {
  errorMetadataKey,
  grpcStatusOf,
  isErrorCode,
  methodByPath,
  WireError,
} from "../proto/mod.ts";
import { daemonSetup, jaco, startDaemon, stopDaemon, waitForSocket } from "./_daemon.ts";

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

const fuzzed = [
  "/jaco.v1.Tokens/Issue",
  "/jaco.v1.Tokens/Revoke",
  "/jaco.v1.Cluster/IssueJoinToken",
  "/jaco.v1.Audit/Query",
  "/jaco.v1.Deploy/Apply",
];
/** Methods whose acceptance of an input is not a state change. */
const readOnly = new Set(["/jaco.v1.Audit/Query"]);
const limitBytes = 16 * 1024 * 1024;

/** HTTP status of each gRPC status on the local API (daemon/api `_status.ts`, i4 wire shape). */
const httpOfGrpc = new Map([
  [3, 400],
  [16, 401],
  [7, 403],
  [5, 404],
  [6, 409],
  [9, 412],
  [8, 429],
  [12, 501],
  [14, 503],
  [4, 504],
]);

/** The gRPC status an envelope must travel under (bare-status errors carry theirs). */
function expectedGrpc(envelope: { code: string; details: Record<string, string> }): number {
  const bare = Number(envelope.details.grpc_status);
  if (
    envelope.code === "internal" && ["UNIMPLEMENTED", "UNAVAILABLE"].includes(
      envelope.details.code ?? "",
    )
  ) return bare;
  return grpcStatusOf(envelope.code as Parameters<typeof grpcStatusOf>[0]);
}

/** One input's answer, reduced: accepted, or the envelope and transport status. */
interface Answer {
  accepted: boolean;
  status: number;
  envelope?: { code: string; message: string; details: Record<string, string> };
}

/** A fuzz input: what it is, where it goes, the answer, and bare statuses it may get. */
interface Case {
  label: string;
  path: string;
  send(): Promise<Answer>;
  bare?: number[];
}

function jsonCase(socket: string, client: Deno.HttpClient) {
  return (
    label: string,
    path: string,
    body: BodyInit,
    extra: { method?: string; headers?: Record<string, string>; bare?: number[] } = {},
  ): Case => ({
    label: `socket ${label}`,
    path,
    bare: extra.bare,
    async send() {
      const { method = "POST", headers } = extra;
      const response = await fetch(`http://jaco${path}`, { method, body, headers, client });
      const text = await response.text();
      if (response.ok) return { accepted: true, status: response.status };
      // An empty body is a bare status (checked against the case's `bare`).
      if (text === "") return { accepted: false, status: response.status };
      let envelope;
      try {
        envelope = JSON.parse(text);
      } catch {
        assert.fail(`${socket}: ${path} answered ${response.status} without JSON: ${text}`);
      }
      return { accepted: false, status: response.status, envelope };
    },
  });
}

function wrongJsonValues(defaultValue: unknown, random: () => number): unknown[] {
  const all: unknown[] = [
    `x${Math.floor(random() * 1e6)}`,
    Math.floor(random() * 1e6) + 1,
    true,
    { nested: "x" },
    ["x", 1],
  ];
  if (typeof defaultValue === "string") return all.filter((value) => typeof value !== "string");
  if (typeof defaultValue === "number") return all.filter((value) => typeof value !== "number");
  if (typeof defaultValue === "boolean") return all.filter((value) => typeof value !== "boolean");
  if (Array.isArray(defaultValue)) return [...all.slice(0, 4), [{ nested: 1 }], ["NO_SUCH_VALUE"]];
  return all.slice(0, 3).concat([["x"]]); // a message (timestamp) field
}

function randomJsonText(random: () => number): string {
  const pieces = ['{"', "identity", '":', "[", "]", "{", "}", ",", '"x"', "1e999", "nul", "\\u12"];
  return Array.from(
    { length: 1 + Math.floor(random() * 8) },
    () => pieces[Math.floor(random() * pieces.length)],
  ).join("");
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  do {
    bytes.push((value & 0x7f) | (value > 0x7f ? 0x80 : 0));
    value = Math.floor(value / 128);
  } while (value > 0);
  return bytes;
}

/** One field with a given wire type and a well-formed payload of that type. */
function wireField(field: number, wireType: number, random: () => number): number[] {
  const payloads: Record<number, () => number[]> = {
    0: () => varint(Math.floor(random() * 2 ** 31)),
    1: () => Array.from({ length: 8 }, () => Math.floor(random() * 256)),
    2: () => {
      const length = Math.floor(random() * 6);
      return [length, ...Array.from({ length }, () => Math.floor(random() * 256))];
    },
    5: () => Array.from({ length: 4 }, () => Math.floor(random() * 256)),
  };
  return [...varint((field << 3) | wireType), ...payloads[wireType]()];
}

/** Whether protobuf `bytes` is an input the server must refuse for `path`. */
function mustRefuse(path: string, bytes: Uint8Array): boolean {
  const method = methodByPath(path)!;
  let decoded: Record<string, unknown>;
  try {
    decoded = method.requestType.decode(bytes) as Record<string, unknown>;
  } catch {
    return true;
  }
  if (path === "/jaco.v1.Tokens/Issue" || path === "/jaco.v1.Tokens/Revoke") {
    return decoded.identity === "";
  }
  if (path === "/jaco.v1.Deploy/Apply") return (decoded.jacoYaml as Uint8Array).length === 0;
  return false;
}

type RawClient = grpc.Client & Record<string, CallableFunction>;

function rawGrpc(port: number, caPem: Uint8Array, token: string) {
  const passthrough = (bytes: Buffer) => bytes;
  let client: RawClient | undefined;
  const call = (
    path: string,
    bytes: Uint8Array,
    authorization = `Bearer ${token}`,
  ): Promise<Answer> => {
    if (!client) {
      const Any = grpc.makeGenericClientConstructor({}, "Any");
      client = new Any(`127.0.0.1:${port}`, grpc.credentials.createSsl(Buffer.from(caPem)), {
        "grpc.ssl_target_name_override": "node-1",
        "grpc.max_send_message_length": -1,
      }) as unknown as RawClient;
    }
    const metadata = new grpc.Metadata();
    if (authorization !== "") metadata.set("authorization", authorization);
    const finish = (error: grpc.ServiceError | null): Answer => {
      if (!error) return { accepted: true, status: 0 };
      const raw = error.metadata?.get(errorMetadataKey)[0];
      const envelope = raw ? WireError.decode(raw as Buffer) : undefined;
      return { accepted: false, status: error.code, envelope };
    };
    const options = { deadline: Date.now() + 10_000 };
    return new Promise((resolve) => {
      if (methodByPath(path)?.responseStream) {
        const stream = client!.makeServerStreamRequest(
          path,
          passthrough,
          passthrough,
          Buffer.from(bytes),
          metadata,
          options,
        ) as grpc.ClientReadableStream<Buffer>;
        stream.on("data", () => {});
        stream.on("error", (error: grpc.ServiceError) => resolve(finish(error)));
        stream.on("end", () => resolve(finish(null)));
      } else {
        client!.makeUnaryRequest(
          path,
          passthrough,
          passthrough,
          Buffer.from(bytes),
          metadata,
          options,
          (error: grpc.ServiceError | null) => resolve(finish(error)),
        );
      }
    });
  };
  return { call, close: () => client?.close() };
}

/** A gRPC request whose length prefix promises more bytes than the stream carries. */
function truncatedFrame(port: number, caPem: Uint8Array, token: string, path: string) {
  return new Promise<Answer>((resolve, reject) => {
    const session = http2.connect(`https://node-1:${port}`, {
      createConnection: () =>
        tls.connect({
          host: "127.0.0.1",
          port,
          servername: "node-1",
          ca: Buffer.from(caPem),
          ALPNProtocols: ["h2"],
        }),
    });
    session.on("error", reject);
    const request = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      authorization: `Bearer ${token}`,
    });
    let status = -1;
    request.on("response", (headers) => {
      if (headers["grpc-status"] !== undefined) status = Number(headers["grpc-status"]);
    });
    request.on("trailers", (trailers) => status = Number(trailers["grpc-status"]));
    request.on("data", () => {});
    request.on("close", () => {
      session.destroy();
      resolve({ accepted: status === 0, status });
    });
    request.end(Buffer.from([0, 0, 0, 0, 100, 0x0a, 0x05, 0x61]));
  });
}

/**
 * A raw HTTP/1.1 request on the socket whose body (or head) is cut short: the client writes
 * `raw`, closes its write side and reads whatever comes back. No answer at all (a head cut
 * short) is status 0; an answer without a JSON body is a bare status.
 */
async function truncatedHttp(socket: string, raw: string): Promise<Answer> {
  const connection = await Deno.connect({ transport: "unix", path: socket });
  await connection.write(new TextEncoder().encode(raw));
  await connection.closeWrite();
  const text = await new Response(connection.readable).text();
  const head = /^HTTP\/1\.1 (\d{3})/.exec(text);
  if (!head) return { accepted: false, status: 0 };
  const body = text.slice(text.indexOf("\r\n\r\n") + 4);
  const status = Number(head[1]);
  if (status < 300) return { accepted: true, status };
  return { accepted: false, status, envelope: body === "" ? undefined : JSON.parse(body) };
}

async function snapshot(client: Deno.HttpClient): Promise<unknown> {
  const post = async (path: string) =>
    await (await fetch(`http://jaco${path}`, { method: "POST", body: "{}", client })).text();
  const status = JSON.parse(await post("/jaco.v1.Cluster/Status"));
  return {
    tokens: JSON.parse(await post("/jaco.v1.Tokens/List")),
    auditEvents: (await post("/jaco.v1.Audit/Query")).split("\n").filter(Boolean).length,
    status: { nodes: status.nodes, leader: status.leader, raftIndex: status.raftIndex },
  };
}

function checkAnswer(fuzzCase: Case, answer: Answer, transport: "socket" | "grpc"): string {
  const what = `${fuzzCase.label} → ${answer.status} ${JSON.stringify(answer.envelope)}`;
  if (answer.accepted) {
    assert.ok(readOnly.has(fuzzCase.path), `accepted: ${what}`);
    return "accepted";
  }
  if (!answer.envelope) {
    assert.ok(fuzzCase.bare?.includes(answer.status), `untyped: ${what}`);
    return `bare/${answer.status}`;
  }
  const { code } = answer.envelope;
  assert.ok(isErrorCode(code), `code outside the closed set: ${what}`);
  const grpcStatus = expectedGrpc(answer.envelope);
  const expected = transport === "grpc" ? grpcStatus : httpOfGrpc.get(grpcStatus) ?? 500;
  assert.equal(answer.status, expected, `status does not match the code: ${what}`);
  assert.ok(
    code !== "internal" || answer.envelope.details.code === "UNIMPLEMENTED",
    `internal error: ${what}`,
  );
  return code === "internal" ? "unimplemented" : code;
}

Deno.test({
  name:
    "daemon fuzz: bad input over the socket and gRPC only yields typed errors, the daemon stays up, state is untouched",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const seed = Number(Deno.env.get("JACO_FUZZ_SEED") ?? 4242);
    const random = seededRandom(seed);
    const setup = await daemonSetup("node-1", "jaco-fuzz-");
    const daemon = startDaemon(setup.configPath);
    const client = Deno.createHttpClient({ proxy: { transport: "unix", path: setup.socket } });
    let grpcClient: ReturnType<typeof rawGrpc> | undefined;
    try {
      await waitForSocket(setup.socket);
      const init = await jaco(["cluster", "init", "--socket", setup.socket, "--no-systemd-enable"]);
      const token = /[0-9a-f]{64}/.exec(init.stdout)?.[0];
      assert.ok(token, init.stdout + init.stderr);
      assert.equal((await jaco(["token", "issue", "bob", "--socket", setup.socket])).code, 0);
      const caPem = await Deno.readFile(`${setup.dataDir}/node/ca.crt`);
      grpcClient = rawGrpc(setup.grpcPort, caPem, token);
      const json = jsonCase(setup.socket, client);
      const cases: [Case, "socket" | "grpc"][] = [];
      const add = (fuzzCase: Case, transport: "socket" | "grpc") =>
        cases.push([fuzzCase, transport]);
      const grpcCase = (label: string, path: string, bytes: Uint8Array, bare?: number[]) =>
        add(
          { label: `grpc ${label}`, path, bare, send: () => grpcClient!.call(path, bytes) },
          "grpc",
        );

      for (const path of fuzzed) {
        const fields = methodByPath(path)!.requestType.fromJSON({}) as Record<string, unknown>;
        for (const [field, defaultValue] of Object.entries(fields)) {
          for (const value of wrongJsonValues(defaultValue, random)) {
            add(
              json(
                `${path} ${field}=${JSON.stringify(value)}`,
                path,
                JSON.stringify({ [field]: value }),
              ),
              "socket",
            );
          }
        }
        for (let index = 0; index < 12; index++) {
          const text = randomJsonText(random);
          add(json(`${path} text ${text}`, path, text), "socket");
          const valid = JSON.stringify({ identity: "fuzz", bogus: { deep: [index] } });
          add(
            json(
              `${path} truncated`,
              path,
              valid.slice(0, 1 + Math.floor(random() * (valid.length - 2))),
            ),
            "socket",
          );
        }
        add(
          json(`${path} invalid UTF-8`, path, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])),
          "socket",
        );
        add(json(`${path} GET`, path, null!, { method: "GET" }), "socket");
        add(json(`${path} JSON array`, path, "[1,2]"), "socket");
        for (let field = 1; field <= 6; field++) {
          for (const wireType of [0, 1, 2, 5]) {
            const bytes = new Uint8Array(wireField(field, wireType, random));
            if (mustRefuse(path, bytes)) {
              grpcCase(`${path} field ${field} wire ${wireType}`, path, bytes);
            }
          }
        }
        for (let sent = 0, tries = 0; sent < 15 && tries < 500; tries++) {
          const bytes = new Uint8Array(
            Array.from({ length: 1 + Math.floor(random() * 48) }, () => Math.floor(random() * 256)),
          );
          if (!mustRefuse(path, bytes)) continue;
          sent += 1;
          grpcCase(`${path} random ${Buffer.from(bytes).toString("hex")}`, path, bytes);
        }
      }
      for (
        const path of [
          "/jaco.v1.Nope/Call",
          "/jaco.v1.Tokens/issue",
          "/",
          "/jaco.v1.Tokens/Issue/x",
        ]
      ) {
        add(json(`unknown method ${path}`, path, "{}"), "socket");
        grpcCase(`unknown method ${path}`, path, new Uint8Array(), [12]);
      }
      const issue = "/jaco.v1.Tokens/Issue";
      const hex = Array.from({ length: 64 }, () => Math.floor(random() * 16).toString(16)).join("");
      const authorizations = ["", "Basic Ym9iOng=", "Bearer ", `Bearer ${hex}`, "bearer", token];
      for (const authorization of authorizations) {
        const body = new Uint8Array(wireField(1, 2, random));
        add({
          label: `grpc authorization ${JSON.stringify(authorization.slice(0, 12))}`,
          path: issue,
          send: () => grpcClient!.call(issue, body, authorization),
        }, "grpc");
      }
      // Deno's HTTP server refuses a header block this big before the app runs (bare 400).
      const bigHeader = { "x-request-id": "r".repeat(100_000) };
      add(json("100 kB x-request-id", issue, "{}", { headers: bigHeader, bare: [400] }), "socket");
      add(
        json("odd x-request-id", issue, "[]", { headers: { "x-request-id": "a b\tc" } }),
        "socket",
      );
      const head = `POST ${issue} HTTP/1.1\r\nHost: jaco\r\n`;
      const rawRequests: [string, number[]][] = [
        [`${head}Content-Length: 100\r\n\r\n{"identity":`, []],
        [`${head}Transfer-Encoding: chunked\r\n\r\n5\r\n{"ide\r\n`, []],
        [`${head}Content-Le`, [0]],
        ["GARBAGE\r\n\r\n", [400]],
      ];
      for (const [raw, bare] of rawRequests) {
        add({
          label: `socket truncated HTTP ${JSON.stringify(raw.slice(-24))}`,
          path: issue,
          bare,
          send: () => truncatedHttp(setup.socket, raw),
        }, "socket");
      }
      const oversized = new Uint8Array(limitBytes + 1024).fill(0x20);
      add(json("oversized body", "/jaco.v1.Tokens/Issue", oversized), "socket");
      grpcCase("oversized message", "/jaco.v1.Tokens/Issue", oversized, [8]);
      for (const path of ["/jaco.v1.Tokens/Issue", "/jaco.v1.Audit/Query"]) {
        add({
          label: `grpc truncated frame ${path}`,
          path,
          bare: [12, 13],
          send: () => truncatedFrame(setup.grpcPort, caPem, token, path),
        }, "grpc");
      }

      const before = await snapshot(client);
      const seen = new Map<string, number>();
      for (let index = cases.length - 1; index > 0; index--) {
        const other = Math.floor(random() * (index + 1));
        [cases[index], cases[other]] = [cases[other], cases[index]];
      }
      for (const [fuzzCase, transport] of cases) {
        const outcome = checkAnswer(fuzzCase, await fuzzCase.send(), transport);
        const key = `${transport}:${outcome}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      console.log(
        `fuzz seed=${seed} cases=${cases.length} ${JSON.stringify(Object.fromEntries(seen))}`,
      );
      const alive = await Promise.race([
        daemon.child.status,
        new Promise((resolve) => setTimeout(resolve, 200, "up")),
      ]);
      assert.equal(alive, "up", `jacod exited: ${JSON.stringify(alive)}`);
      assert.deepEqual(await snapshot(client), before);
    } finally {
      client.close();
      // SIGKILL, then close the channel: neither side then sees a GOAWAY (see the module doc).
      const log = await stopDaemon(daemon, "SIGKILL");
      grpcClient?.close();
      if (Deno.env.get("JACO_TEST_LOGS")) console.error(log);
      await Deno.remove(setup.dir, { recursive: true });
    }
  },
});
