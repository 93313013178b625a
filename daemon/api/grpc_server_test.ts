import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import {
  ClusterStatusResponse,
  errorFromGrpcStatus,
  LogsRequest,
  services,
} from "../../proto/mod.ts";
import { createDispatcher } from "./dispatcher.ts";
import { standardGates } from "./gates.ts";
import { createGrpcServer, type GrpcServerOptions } from "./grpc_server.ts";
import { createLocalApp } from "./local_app.ts";
import { callGrpc, callJson, fakeAuthenticate, fakeTable, type Outcome } from "./_testing.ts";
import { mintCa, type PemPair } from "../../tests/_pki.ts";

const authority = await mintCa("JACO Cluster CA");
const serverIdentity = await authority.sign({
  commonName: "node-a",
  dnsNames: ["localhost", "node-a"],
});
const peerIdentity = await authority.sign({
  commonName: "node-b",
  dnsNames: ["localhost", "node-b"],
});
const impostor = await (await mintCa("Other CA")).sign({
  commonName: "node-b",
  dnsNames: ["localhost", "node-b"],
});

interface Fixture {
  port: number;
  state: { initialized: boolean; logsStopped: () => void };
  json(path: string, body: unknown): Promise<Outcome>;
  grpc(
    path: string,
    body: unknown,
    options?: { token?: string; clientCert?: PemPair; metadata?: Record<string, string> },
  ): Promise<Outcome>;
}

async function withServer(
  run: (fixture: Fixture) => Promise<void>,
  extra: Partial<GrpcServerOptions> = {},
): Promise<void> {
  const state = { initialized: true, logsStopped: () => {} };
  const dispatcher = createDispatcher(
    fakeTable({ logsStopped: () => state.logsStopped() }),
    standardGates({ isInitialized: () => state.initialized, authenticate: fakeAuthenticate }),
  );
  const server = createGrpcServer(dispatcher, {
    tls: {
      caPem: authority.cert,
      certPem: serverIdentity.cert,
      keyPem: serverIdentity.key,
      requireClientCert: "optional",
    },
    ...extra,
  });
  const port = await server.listen("127.0.0.1:0");
  const app = createLocalApp(dispatcher);
  try {
    await run({
      port,
      state,
      json: (path, body) => callJson((request) => app.fetch(request), path, body),
      grpc: (path, body, options = {}) =>
        callGrpc(path, body, { port, caPem: authority.cert, ...options }),
    });
  } finally {
    await server.shutdown();
  }
}

function withoutStatus(outcome: Outcome): Outcome {
  const { status: _status, ...rest } = outcome;
  return rest;
}

Deno.test("createGrpcServer() gives the same results and typed errors as the local API", async () => {
  await withServer(async (fixture) => {
    const cases: [string, unknown][] = [
      ["/jaco.v1.Deploy/Rollback", { deployment: "web" }],
      ["/jaco.v1.Deploy/Rollback", { deployment: "api" }],
      ["/jaco.v1.Tokens/Issue", {}],
      ["/jaco.v1.Tokens/Revoke", { identity: "bob" }],
      ["/jaco.v1.Cluster/Backup", {}],
      ["/jaco.v1.Audit/Query", {}],
      ["/jaco.v1.Deploy/Logs", { deployment: "web" }],
      ["/jaco.v1.Watch/Subscribe", {}],
      ["/jaco.v1.Cluster/NodeList", {}],
    ];
    for (const [path, body] of cases) {
      const overJson = withoutStatus(await fixture.json(path, body));
      const overGrpc = await fixture.grpc(path, body, { token: "good" });
      // A stream that failed before its first message is a plain error on the socket and an
      // empty stream plus status on gRPC: the same error either way.
      if (overGrpc.items?.length === 0 && overJson.items === undefined) delete overGrpc.items;
      assert.deepEqual(overGrpc, overJson, path);
    }
  });
});

Deno.test("createGrpcServer() needs a valid, unrevoked bearer token for operator methods", async () => {
  await withServer(async (fixture) => {
    const path = "/jaco.v1.Tokens/Issue";
    const body = { identity: "bob", allowsPrivileged: true };
    assert.deepEqual((await fixture.grpc(path, body)).error, {
      code: "token_invalid",
      message: "missing authorization header",
      details: {},
    });
    assert.equal(
      (await fixture.grpc(path, body, { token: "forged" })).error?.code,
      "token_invalid",
    );
    assert.deepEqual((await fixture.grpc(path, body, { token: "revoked" })).error, {
      code: "token_revoked",
      message: "token has been revoked",
      details: {},
    });
    assert.deepEqual((await fixture.grpc(path, body, { token: "good" })).response, {
      identity: "bob",
      token: "alice:true",
    });
    // Unauthenticated method: no token needed, anonymous identity.
    assert.deepEqual((await fixture.grpc("/jaco.v1.Cluster/Status", {})).response, {
      initialized: true,
      leader: "anonymous",
      raftIndex: 7,
    });
  });
});

Deno.test("createGrpcServer() serves Internal.* only to a CA-signed peer certificate", async () => {
  await withServer(async (fixture) => {
    const path = "/jaco.v1.Internal/EnsureSubnet";
    for (const options of [{}, { token: "good" }, { clientCert: impostor }]) {
      const outcome = await fixture.grpc(path, {}, options);
      assert.equal(outcome.error?.code, "token_invalid", JSON.stringify(Object.keys(options)));
      assert.equal(outcome.error?.details.reason, "peer_certificate_required");
    }
    assert.deepEqual(await fixture.grpc(path, {}, { clientCert: peerIdentity }), {
      response: { cidr: "node:node-b" },
    });
    // A node certificate is not an operator credential.
    const operator = await fixture.grpc("/jaco.v1.Tokens/Issue", { identity: "x" }, {
      clientCert: peerIdentity,
    });
    assert.equal(operator.error?.code, "token_invalid");
  });
});

Deno.test("createGrpcServer() refuses socket-only methods over TCP", async () => {
  await withServer(async (fixture) => {
    const outcome = await fixture.grpc("/jaco.v1.Cluster/Init", { clusterName: "x" }, {
      token: "good",
    });
    assert.equal(outcome.error?.code, "privilege_denied");
  });
});

Deno.test("createGrpcServer() applies the pre-init gate before admission", async () => {
  await withServer(async (fixture) => {
    fixture.state.initialized = false;
    const refused = await fixture.grpc("/jaco.v1.Deploy/Rollback", { deployment: "web" });
    assert.equal(refused.error?.code, "cluster_uninitialized");
    assert.equal(refused.error?.details.hint, "run `jaco cluster init` or `jaco node join`");
    assert.equal((await fixture.grpc("/jaco.v1.Cluster/Status", {})).error, undefined);
    fixture.state.initialized = true;
    const admitted = await fixture.grpc("/jaco.v1.Deploy/Rollback", { deployment: "web" }, {
      token: "good",
    });
    assert.deepEqual(admitted.response, { revision: 3 });
  });
});

Deno.test("createGrpcServer() refuses a plaintext client at the handshake", async () => {
  await withServer(async (fixture) => {
    const Client = grpc.makeGenericClientConstructor(services.Cluster.grpc, "Cluster");
    const client = new Client(`127.0.0.1:${fixture.port}`, grpc.credentials.createInsecure());
    const deadline = Date.now() + 2_000;
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      (client as unknown as Record<string, CallableFunction>).Status(
        {},
        new grpc.Metadata(),
        { deadline },
        (failure: grpc.ServiceError | null) => resolve(failure),
      )
    );
    client.close();
    assert.ok(error, "a plaintext call must fail");
    assert.ok(
      [grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED].includes(error.code),
      `status ${error.code}`,
    );
  });
});

Deno.test("createGrpcServer() echoes x-request-id in the response metadata", async () => {
  await withServer(async (fixture) => {
    const Client = grpc.makeGenericClientConstructor(services.Cluster.grpc, "Cluster");
    const client = new Client(
      `127.0.0.1:${fixture.port}`,
      grpc.credentials.createSsl(Buffer.from(authority.cert)),
      { "grpc.ssl_target_name_override": "localhost" },
    );
    const metadata = new grpc.Metadata();
    metadata.set("x-request-id", "trace-42");
    const echoed = await new Promise<unknown>((resolve) => {
      const call = (client as unknown as Record<string, CallableFunction>).Status(
        {},
        metadata,
        () => {},
      ) as grpc.ClientUnaryCall;
      call.on("metadata", (received: grpc.Metadata) => resolve(received.get("x-request-id")[0]));
    });
    client.close();
    assert.equal(echoed, "trace-42");
  });
});

Deno.test("createGrpcServer() stops a follow stream when the client cancels", async () => {
  await withServer(async (fixture) => {
    const Client = grpc.makeGenericClientConstructor(services.Deploy.grpc, "Deploy");
    const client = new Client(
      `127.0.0.1:${fixture.port}`,
      grpc.credentials.createSsl(Buffer.from(authority.cert)),
      { "grpc.ssl_target_name_override": "localhost" },
    );
    const metadata = new grpc.Metadata();
    metadata.set("authorization", "Bearer good");
    const call = (client as unknown as Record<string, CallableFunction>).Logs(
      LogsRequest.fromPartial({ deployment: "web", follow: true }),
      metadata,
    ) as grpc.ClientReadableStream<{ replicaId: string }>;
    const stopped = new Promise<void>((resolve) => fixture.state.logsStopped = resolve);
    const seen: string[] = [];
    let status: number | undefined;
    try {
      for await (const line of call) {
        seen.push(line.replicaId);
        if (seen.length === 3) call.cancel();
      }
    } catch (error) {
      status = (error as grpc.ServiceError).code;
    }
    assert.equal(status, grpc.status.CANCELLED);
    assert.deepEqual(seen.slice(0, 3), ["r0", "r1", "r2"]);
    // The server-side generator is closed, not left producing into the void.
    await stopped;
    client.close();
  });
});

Deno.test("createGrpcServer() refuses an oversized message and keeps serving", async () => {
  await withServer(async (fixture) => {
    const outcome = await fixture.grpc("/jaco.v1.Tokens/Issue", { identity: "x".repeat(4096) }, {
      token: "good",
    });
    assert.equal(outcome.error?.details.code, "RESOURCE_EXHAUSTED");
    const after = await fixture.grpc("/jaco.v1.Deploy/Rollback", { deployment: "web" }, {
      token: "good",
    });
    assert.deepEqual(after.response, { revision: 3 });
  }, { maxMessageBytes: 1024 });
});

Deno.test("errorFromGrpcStatus() of an Unimplemented answer keeps the status name", async () => {
  await withServer(async (fixture) => {
    const outcome = await fixture.grpc("/jaco.v1.Cluster/Bootstrap", { name: "x" }, {
      token: "good",
    });
    assert.equal(outcome.error?.details.code, "UNIMPLEMENTED");
    assert.equal(errorFromGrpcStatus({ code: 12, details: "" }).details.code, "UNIMPLEMENTED");
  });
});

Deno.test("createGrpcServer() with requireClientCert required refuses a caller without one", async () => {
  const dispatcher = createDispatcher(
    fakeTable(),
    standardGates({ isInitialized: () => true, authenticate: fakeAuthenticate }),
  );
  const server = createGrpcServer(dispatcher, {
    tls: {
      caPem: authority.cert,
      certPem: serverIdentity.cert,
      keyPem: serverIdentity.key,
      requireClientCert: "required",
    },
  });
  const port = await server.listen("127.0.0.1:0");
  try {
    const options = { port, caPem: authority.cert };
    const anonymous = await callGrpc("/jaco.v1.Cluster/Status", {}, options);
    assert.equal(anonymous.error?.details.code, "UNAVAILABLE");
    const peer = await callGrpc("/jaco.v1.Internal/EnsureSubnet", {}, {
      ...options,
      clientCert: peerIdentity,
    });
    assert.deepEqual(peer.response, { cidr: "node:node-b" });
  } finally {
    await server.shutdown();
  }
});

Deno.test("createGrpcServer() shutdown() ends a follow stream with a retryable Unavailable", async () => {
  const dispatcher = createDispatcher(
    fakeTable(),
    standardGates({ isInitialized: () => true, authenticate: fakeAuthenticate }),
  );
  const server = createGrpcServer(dispatcher, {
    tls: {
      caPem: authority.cert,
      certPem: serverIdentity.cert,
      keyPem: serverIdentity.key,
      requireClientCert: "optional",
    },
  });
  const port = await server.listen("127.0.0.1:0");
  const Client = grpc.makeGenericClientConstructor(services.Deploy.grpc, "Deploy");
  const client = new Client(
    `127.0.0.1:${port}`,
    grpc.credentials.createSsl(Buffer.from(authority.cert)),
    { "grpc.ssl_target_name_override": "localhost" },
  );
  const metadata = new grpc.Metadata();
  metadata.set("authorization", "Bearer good");
  const call = (client as unknown as Record<string, CallableFunction>).Logs(
    LogsRequest.fromPartial({ deployment: "web", follow: true }),
    metadata,
  ) as grpc.ClientReadableStream<unknown>;
  let received = 0;
  let shutdown: Promise<void> | undefined;
  let failure: grpc.ServiceError | undefined;
  try {
    for await (const _line of call) {
      received += 1;
      if (received === 2) shutdown = server.shutdown();
    }
  } catch (error) {
    failure = error as grpc.ServiceError;
  }
  await shutdown;
  client.close();
  assert.equal(failure?.code, grpc.status.UNAVAILABLE);
  assert.equal(errorFromGrpcStatus(failure!).message, "server is shutting down");
});

Deno.test("createGrpcServer() reports the caller's address as peer to logs and handlers", async () => {
  const logged: string[] = [];
  const dispatcher = createDispatcher(
    {
      "/jaco.v1.Cluster/Status": (_request, context) =>
        Promise.resolve(ClusterStatusResponse.fromPartial({ leader: context.peer })),
    },
    standardGates({
      isInitialized: () => true,
      authenticate: fakeAuthenticate,
      log: (message, attributes) => logged.push(`${message} ${attributes.peer}`),
    }),
  );
  const server = createGrpcServer(dispatcher, {
    tls: {
      caPem: authority.cert,
      certPem: serverIdentity.cert,
      keyPem: serverIdentity.key,
      requireClientCert: "optional",
    },
  });
  const port = await server.listen("127.0.0.1:0");
  try {
    const outcome = await callGrpc("/jaco.v1.Cluster/Status", {}, {
      port,
      caPem: authority.cert,
    });
    const peer = (outcome.response as { leader: string }).leader;
    assert.match(peer, /127\.0\.0\.1:\d+$/);
    assert.deepEqual(logged, [`rpc start ${peer}`]);
  } finally {
    await server.shutdown();
  }
});
