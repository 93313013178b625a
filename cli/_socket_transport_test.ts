import assert from "node:assert/strict";
import { GrpcStatus, JacoError } from "../proto/errors.ts";
import { type LogLine, methodByPath } from "../proto/mod.ts";
import { TransportError } from "./_rpc_transport.ts";
import { type Client, openClient, RpcShapeError } from "./_transport.ts";

// A minimal daemon side of the fixed local JSON shape (i4_common): POST <grpc path>, proto3
// JSON in and out, the envelope with the code's HTTP status, NDJSON streams ending in an
// `{"error":…}` line on a late failure.
type Handler = (request: unknown) => unknown | AsyncIterable<unknown>;

const httpByGrpc: Record<number, number> = {
  [GrpcStatus.INVALID_ARGUMENT]: 400,
  [GrpcStatus.UNAUTHENTICATED]: 401,
  [GrpcStatus.NOT_FOUND]: 404,
  [GrpcStatus.UNAVAILABLE]: 503,
};

function errorResponse(error: JacoError): Response {
  return Response.json(error.toJSON(), { status: httpByGrpc[error.grpcStatus] ?? 500 });
}

async function serveApi(handlers: Record<string, Handler>) {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/jaco.sock`;
  const seen: { path: string; contentType: string | null; body: unknown }[] = [];
  const server = Deno.serve({ transport: "unix", path, onListen() {} }, async (request) => {
    const route = new URL(request.url).pathname;
    const method = methodByPath(route);
    const handler = handlers[route];
    if (request.method !== "POST" || !method || !handler) {
      return new Response("404 Not Found", { status: 404 });
    }
    const body = await request.json();
    seen.push({ path: route, contentType: request.headers.get("content-type"), body });
    try {
      const result = await handler(method.requestType.fromJSON(body));
      if (!method.responseStream) return Response.json(method.responseType.toJSON(result));
      const encoder = new TextEncoder();
      const iterator = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const next = await iterator.next();
            if (next.done) return controller.close();
            controller.enqueue(
              encoder.encode(`${JSON.stringify(method.responseType.toJSON(next.value))}\n`),
            );
          } catch (error) {
            assert.ok(error instanceof JacoError);
            controller.enqueue(encoder.encode(`${JSON.stringify({ error: error.toJSON() })}\n`));
            controller.close();
          }
        },
        async cancel() {
          await iterator.return?.();
        },
      });
      return new Response(stream, { headers: { "content-type": "application/x-ndjson" } });
    } catch (error) {
      if (error instanceof JacoError) return errorResponse(error);
      throw error;
    }
  });
  const client = openClient({ kind: "socket", path });
  return {
    path,
    seen,
    client,
    async [Symbol.asyncDispose]() {
      client.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
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

const line = (n: number): LogLine => ({
  replicaId: "web-1",
  host: "node-a",
  stream: "stdout",
  ts: new Date(Date.UTC(2026, 5, 1, 12, 0, n)),
  line: `hello ${n}`,
});

Deno.test("socket client sends proto3 JSON and decodes a unary answer", async () => {
  await using api = await serveApi({
    "/jaco.v1.Tokens/Issue": (request) => {
      const { identity } = request as { identity: string };
      return { identity, token: "t0k", issuedAt: new Date(Date.UTC(2026, 0, 2)) };
    },
  });
  const answer = await api.client.unary("Tokens", "Issue", {
    identity: "alice",
    allowsPrivileged: true,
  }, { deadlineMs: 10_000 });
  assert.deepEqual(answer, {
    identity: "alice",
    token: "t0k",
    issuedAt: new Date(Date.UTC(2026, 0, 2)),
  });
  assert.deepEqual(api.seen, [{
    path: "/jaco.v1.Tokens/Issue",
    contentType: "application/json",
    body: { identity: "alice", allowsPrivileged: true },
  }]);
  assert.equal(api.client.target, `socket ${api.path}`);
});

Deno.test("socket client rebuilds a typed failure as the same JacoError", async () => {
  await using api = await serveApi({
    "/jaco.v1.Tokens/Issue": () => {
      throw new JacoError("validation_failed", "identity is required", { field: "identity" });
    },
    "/jaco.v1.Tokens/Revoke": () => {
      throw new JacoError("no_leader", "no leader elected yet");
    },
  });
  const error = await rejection(
    api.client.unary("Tokens", "Issue", { identity: "", allowsPrivileged: false }),
  );
  assert.ok(error instanceof JacoError);
  assert.deepEqual(error.toJSON(), {
    code: "validation_failed",
    message: "identity is required",
    details: { field: "identity" },
  });
  const unavailable = await rejection(
    api.client.unary("Tokens", "Revoke", { identity: "bob" }),
  );
  assert.ok(unavailable instanceof JacoError);
  assert.equal(unavailable.code, "no_leader");
});

Deno.test("socket client reports an answer without envelope as a TransportError", async () => {
  await using api = await serveApi({});
  const error = await rejection(api.client.unary("Cluster", "Status", {}));
  assert.ok(error instanceof TransportError);
  assert.equal(error.status, GrpcStatus.UNIMPLEMENTED);
  assert.equal(
    error.message,
    `/jaco.v1.Cluster/Status on socket ${api.path}: HTTP 404: 404 Not Found`,
  );
});

Deno.test("socket client streams NDJSON messages in order", async () => {
  await using api = await serveApi({
    "/jaco.v1.Deploy/Logs": async function* () {
      for (let n = 0; n < 3; n++) yield line(n);
    },
    "/jaco.v1.Cluster/Backup": async function* () {
      yield { data: new Uint8Array([0, 1, 2, 255]) };
      yield { data: new TextEncoder().encode("x".repeat(70_000)) };
    },
  });
  const request = {
    deployment: "web",
    service: "",
    follow: false,
    sinceSeconds: 0,
    tail: 0,
    replicaId: "",
  };
  assert.deepEqual(
    await collect(api.client.stream("Deploy", "Logs", request, { deadlineMs: 5_000 })),
    [line(0), line(1), line(2)],
  );
  const chunks = await collect(api.client.stream("Cluster", "Backup", {}));
  assert.deepEqual(chunks.map((chunk) => chunk.data.length), [4, 70_000]);
  assert.deepEqual([...chunks[0].data], [0, 1, 2, 255]);
});

Deno.test("socket client throws a mid-stream error line after the messages before it", async () => {
  await using api = await serveApi({
    "/jaco.v1.Deploy/Logs": async function* () {
      yield line(0);
      yield line(1);
      throw new JacoError("logs_stream", "engine closed the log stream", { replica: "web-1" });
    },
  });
  const received: LogLine[] = [];
  const request = {
    deployment: "web",
    service: "",
    follow: true,
    sinceSeconds: 0,
    tail: 0,
    replicaId: "",
  };
  const error = await rejection((async () => {
    for await (const message of api.client.stream("Deploy", "Logs", request)) {
      received.push(message);
    }
  })());
  assert.deepEqual(received, [line(0), line(1)]);
  assert.ok(error instanceof JacoError);
  assert.deepEqual(error.toJSON(), {
    code: "logs_stream",
    message: "engine closed the log stream",
    details: { replica: "web-1" },
  });
});

// Ends only when the client goes away (the response stream's cancel returns the generator).
function endlessLogs(): Handler {
  return async function* () {
    for (let n = 0;; n++) {
      yield line(n % 60);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
}

Deno.test("socket client ends a stream quietly on Ctrl-C and fails a unary call", async () => {
  let release = () => {};
  await using api = await serveApi({
    "/jaco.v1.Deploy/Logs": endlessLogs(),
    "/jaco.v1.Cluster/Status": () => new Promise<object>((resolve) => release = () => resolve({})),
  });
  const controller = new AbortController();
  const request = {
    deployment: "web",
    service: "",
    follow: true,
    sinceSeconds: 0,
    tail: 0,
    replicaId: "",
  };
  let count = 0;
  for await (const _ of api.client.stream("Deploy", "Logs", request, controller)) {
    if (++count === 3) controller.abort();
  }
  assert.equal(count, 3);

  const ctrlC = new AbortController();
  const pending = api.client.unary("Cluster", "Status", {}, { signal: ctrlC.signal });
  setTimeout(() => ctrlC.abort(), 20);
  const error = await rejection(pending);
  release();
  assert.ok(error instanceof TransportError);
  assert.equal(error.status, GrpcStatus.CANCELLED);
});

Deno.test("socket client fails past its deadline with DEADLINE_EXCEEDED", async () => {
  let release = () => {};
  await using api = await serveApi({
    "/jaco.v1.Cluster/Status": () => new Promise<object>((resolve) => release = () => resolve({})),
    "/jaco.v1.Deploy/Logs": endlessLogs(),
  });
  const error = await rejection(api.client.unary("Cluster", "Status", {}, { deadlineMs: 50 }));
  release();
  assert.ok(error instanceof TransportError);
  assert.equal(error.status, GrpcStatus.DEADLINE_EXCEEDED);
  assert.equal(
    error.message,
    `/jaco.v1.Cluster/Status on socket ${api.path}: deadline of 50ms exceeded`,
  );
  const request = {
    deployment: "web",
    service: "",
    follow: true,
    sinceSeconds: 0,
    tail: 0,
    replicaId: "",
  };
  const streamed = await rejection(
    collect(api.client.stream("Deploy", "Logs", request, { deadlineMs: 60 })),
  );
  assert.ok(streamed instanceof TransportError);
  assert.equal(streamed.status, GrpcStatus.DEADLINE_EXCEEDED);
});

Deno.test("socket client stops the server's stream when the loop breaks early", async () => {
  let stopped = false;
  await using api = await serveApi({
    "/jaco.v1.Deploy/Logs": async function* () {
      try {
        for (let n = 0;; n++) {
          yield line(n % 60);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        stopped = true;
      }
    },
  });
  const request = {
    deployment: "web",
    service: "",
    follow: true,
    sinceSeconds: 0,
    tail: 0,
    replicaId: "",
  };
  for await (const message of api.client.stream("Deploy", "Logs", request)) {
    assert.equal(message.line, "hello 0");
    break;
  }
  for (let i = 0; i < 100 && !stopped; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(stopped, true);
});

Deno.test("socket client reports a dead socket as UNAVAILABLE with the path", async () => {
  const dir = await Deno.makeTempDir();
  const client: Client = openClient({ kind: "socket", path: `${dir}/gone.sock` });
  try {
    const error = await rejection(client.unary("Cluster", "Status", {}, { deadlineMs: 5_000 }));
    assert.ok(error instanceof TransportError);
    assert.equal(error.status, GrpcStatus.UNAVAILABLE);
    assert.ok(error.message.startsWith(`/jaco.v1.Cluster/Status on socket ${dir}/gone.sock: `));
  } finally {
    client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("client refuses a unary call on a streaming RPC and vice versa", async () => {
  const client = openClient({ kind: "socket", path: "/nonexistent.sock" });
  try {
    await assert.rejects(
      client.unary("Deploy", "Logs", {} as never),
      new RpcShapeError("/jaco.v1.Deploy/Logs is not a unary RPC"),
    );
    await assert.rejects(
      collect(client.stream("Cluster", "Status", {})),
      new RpcShapeError("/jaco.v1.Cluster/Status is not a server-streaming RPC"),
    );
  } finally {
    client.close();
  }
});
