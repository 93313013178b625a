import assert from "node:assert/strict";
import tls from "node:tls";
import {
  type sendUnaryData,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  status,
} from "@grpc/grpc-js";
import { GrpcStatus, JacoError } from "../proto/errors.ts";
import { type LogLine, type LogsRequest, services, toGrpcStatus } from "../proto/mod.ts";
import { TransportError } from "./_rpc_transport.ts";
import { mintCa, type PemPair } from "../tests/_pki.ts";
import { type Client, openClient } from "./_transport.ts";
import { insecureWarning, resolveTransport } from "./_transport_flags.ts";

const ca = await mintCa("cluster ca");
const otherCa = await mintCa("some other ca");
const nodeCert = await ca.sign({
  commonName: "localhost",
  ips: ["127.0.0.1"],
  dnsNames: ["localhost"],
});

const line = (n: number): LogLine => ({
  replicaId: "web-1",
  host: "node-a",
  stream: "stdout",
  ts: new Date(Date.UTC(2026, 5, 1, 12, 0, n)),
  line: `hello ${n}`,
});

// The daemon side: a grpc-js server whose handlers are registered from proto's `services`
// table, behind real TLS. grpc-js's own TLS listener does not handshake under Deno's node
// compat, so TLS is terminated by node:tls and the sockets are injected into the server.
async function serveGrpc(cert: PemPair) {
  const seen: { method: string; authorization: unknown[] }[] = [];
  const server = new Server();
  server.addService(services.Tokens.grpc, {
    Issue(
      call: ServerUnaryCall<{ identity: string }, unknown>,
      callback: sendUnaryData<unknown>,
    ) {
      seen.push({ method: "Issue", authorization: call.metadata.get("authorization") });
      if (call.request.identity === "") {
        callback(toGrpcStatus(
          new JacoError("validation_failed", "identity is required", { field: "identity" }),
        ));
        return;
      }
      callback(null, {
        identity: call.request.identity,
        token: "t0k",
        issuedAt: new Date(Date.UTC(2026, 0, 2)),
      });
    },
  });
  server.addService(services.Cluster.grpc, {
    Status(_call: unknown, callback: sendUnaryData<unknown>) {
      callback({ code: status.UNAVAILABLE, details: "raft transport not started" });
    },
    // Never answers: the client's deadline is what ends it.
    NodeList() {},
  });
  server.addService(services.Deploy.grpc, {
    Logs(call: ServerWritableStream<LogsRequest, LogLine>) {
      seen.push({ method: "Logs", authorization: call.metadata.get("authorization") });
      const { deployment, follow } = call.request;
      let n = 0;
      const timer = setInterval(() => {
        if (call.cancelled) return clearInterval(timer);
        if (deployment === "broken" && n === 2) {
          clearInterval(timer);
          // `call.destroy(status)` never reaches the client here; emitting the status does.
          call.emit(
            "error",
            toGrpcStatus(new JacoError("logs_stream", "engine closed the stream")),
          );
          return;
        }
        call.write(line(n++));
        if (!follow && n === 3) {
          clearInterval(timer);
          call.end();
        }
      }, 2);
      call.on("cancelled", () => clearInterval(timer));
    },
  });
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  const listener = tls.createServer(
    { key: cert.key, cert: cert.cert, ALPNProtocols: ["h2"] },
    (socket) => injector.injectConnection(socket),
  );
  // A refused handshake surfaces here on the server side; the client assertion is the test.
  listener.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const port = (listener.address() as { port: number }).port;
  return {
    port,
    seen,
    async [Symbol.asyncDispose]() {
      server.forceShutdown();
      injector.drain(0);
      await new Promise((resolve) => listener.close(resolve));
    },
  };
}

function dial(
  port: number,
  options: { host?: string; caPem?: string; token?: string } = {},
): Client {
  const host = options.host ?? "127.0.0.1";
  return openClient({
    kind: "tcp",
    address: `${host}:${port}`,
    host,
    token: options.token ?? "op-token",
    caPem: "caPem" in options ? options.caPem : ca.cert,
  });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail("expected a rejection");
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

const logs = (deployment: string, follow = false): LogsRequest => ({
  deployment,
  service: "",
  follow,
  sinceSeconds: 0,
  tail: 0,
  replicaId: "",
});

Deno.test("grpc client calls over pinned TLS and sends the bearer token", async () => {
  await using daemon = await serveGrpc(nodeCert);
  const client = dial(daemon.port);
  try {
    const answer = await client.unary("Tokens", "Issue", {
      identity: "alice",
      allowsPrivileged: false,
    }, { deadlineMs: 10_000 });
    assert.deepEqual(answer, {
      identity: "alice",
      token: "t0k",
      issuedAt: new Date(Date.UTC(2026, 0, 2)),
    });
    assert.deepEqual(daemon.seen, [{ method: "Issue", authorization: ["Bearer op-token"] }]);
    assert.equal(client.target, `tcp 127.0.0.1:${daemon.port}`);
  } finally {
    client.close();
  }
});

Deno.test("grpc client checks the DNS name against the certificate too", async () => {
  await using daemon = await serveGrpc(nodeCert);
  const client = dial(daemon.port, { host: "localhost" });
  try {
    const answer = await client.unary("Tokens", "Issue", {
      identity: "a",
      allowsPrivileged: false,
    });
    assert.equal(answer.identity, "a");
  } finally {
    client.close();
  }
});

Deno.test("grpc client rebuilds a typed failure as the same JacoError", async () => {
  await using daemon = await serveGrpc(nodeCert);
  const client = dial(daemon.port);
  try {
    const error = await rejection(
      client.unary("Tokens", "Issue", { identity: "", allowsPrivileged: false }),
    );
    assert.ok(error instanceof JacoError);
    assert.deepEqual(error.toJSON(), {
      code: "validation_failed",
      message: "identity is required",
      details: { field: "identity" },
    });
  } finally {
    client.close();
  }
});

Deno.test("grpc client keeps gRPC's own text for an untyped status", async () => {
  await using daemon = await serveGrpc(nodeCert);
  const client = dial(daemon.port);
  try {
    const error = await rejection(client.unary("Cluster", "Status", {}));
    assert.ok(error instanceof TransportError);
    assert.equal(error.status, GrpcStatus.UNAVAILABLE);
    assert.equal(error.message, "14 UNAVAILABLE: raft transport not started");
    const late = await rejection(client.unary("Cluster", "NodeList", {}, { deadlineMs: 100 }));
    assert.ok(late instanceof TransportError);
    assert.equal(late.status, GrpcStatus.DEADLINE_EXCEEDED);
  } finally {
    client.close();
  }
});

Deno.test("grpc client streams messages, then a mid-stream typed error", async () => {
  await using daemon = await serveGrpc(nodeCert);
  const client = dial(daemon.port);
  try {
    assert.deepEqual(await collect(client.stream("Deploy", "Logs", logs("web"))), [
      line(0),
      line(1),
      line(2),
    ]);
    const received: LogLine[] = [];
    const error = await rejection((async () => {
      for await (const message of client.stream("Deploy", "Logs", logs("broken"))) {
        received.push(message);
      }
    })());
    assert.deepEqual(received, [line(0), line(1)]);
    assert.ok(error instanceof JacoError);
    assert.equal(error.code, "logs_stream");
    assert.equal(error.message, "engine closed the stream");
    assert.deepEqual(daemon.seen.map((entry) => entry.authorization), [
      ["Bearer op-token"],
      ["Bearer op-token"],
    ]);
  } finally {
    client.close();
  }
});

Deno.test("grpc client ends a follow stream quietly on Ctrl-C", async () => {
  await using daemon = await serveGrpc(nodeCert);
  const client = dial(daemon.port);
  try {
    const controller = new AbortController();
    let count = 0;
    for await (const _ of client.stream("Deploy", "Logs", logs("web", true), controller)) {
      if (++count === 5) controller.abort();
    }
    assert.equal(count, 5);
  } finally {
    client.close();
  }
});

Deno.test("grpc client refuses a server certificate from another CA", async () => {
  const impostor = await otherCa.sign({
    commonName: "127.0.0.1",
    ips: ["127.0.0.1"],
    dnsNames: [],
  });
  await using daemon = await serveGrpc(impostor);
  const client = dial(daemon.port);
  try {
    const error = await rejection(
      client.unary("Tokens", "Issue", { identity: "a", allowsPrivileged: false }),
    );
    assert.ok(error instanceof TransportError);
    assert.equal(error.status, GrpcStatus.UNAVAILABLE);
    assert.match(error.message, /unable to verify the first certificate/);
    assert.deepEqual(daemon.seen, [], "the token must never reach an unverified server");
  } finally {
    client.close();
  }
});

Deno.test("grpc client refuses a cluster certificate not naming the dialed host", async () => {
  const elsewhere = await ca.sign({
    commonName: "node-z",
    ips: ["10.9.9.9"],
    dnsNames: ["node-z"],
  });
  await using daemon = await serveGrpc(elsewhere);
  const client = dial(daemon.port);
  try {
    const error = await rejection(
      client.unary("Tokens", "Issue", { identity: "a", allowsPrivileged: false }),
    );
    assert.ok(error instanceof TransportError);
    assert.equal(error.status, GrpcStatus.UNAVAILABLE);
    assert.match(error.message, /IP: 127\.0\.0\.1 is not in the cert's list: 10\.9\.9\.9/);
    assert.deepEqual(daemon.seen, []);
  } finally {
    client.close();
  }
});

Deno.test('grpc client with --ca-cert "" connects unverified after the warning', async () => {
  const impostor = await otherCa.sign({
    commonName: "127.0.0.1",
    ips: ["127.0.0.1"],
    dnsNames: [],
  });
  await using daemon = await serveGrpc(impostor);
  let stderr = "";
  const target = resolveTransport(
    { server: `127.0.0.1:${daemon.port}`, token: "op-token", caCert: "" },
    {
      env: () => undefined,
      readTextFile: () => assert.fail("no CA file is read"),
      exists: () => false,
      stderr: (text) => stderr += text,
    },
  );
  assert.equal(stderr, `${insecureWarning}\n`);
  const client = openClient(target);
  try {
    const answer = await client.unary("Tokens", "Issue", {
      identity: "b",
      allowsPrivileged: false,
    });
    assert.equal(answer.identity, "b");
    assert.deepEqual(daemon.seen, [{ method: "Issue", authorization: ["Bearer op-token"] }]);
  } finally {
    client.close();
  }
});
