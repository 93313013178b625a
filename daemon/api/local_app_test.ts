import assert from "node:assert/strict";
import { createDispatcher } from "./dispatcher.ts";
import { standardGates } from "./gates.ts";
import { createLocalApp } from "./local_app.ts";
import { callJson, fakeAuthenticate, fakeTable } from "./_testing.ts";

function localApp(
  options: { initialized?: boolean; maxBodyBytes?: number; logsStopped?: () => void } = {},
) {
  let counter = 0;
  const dispatcher = createDispatcher(
    fakeTable({ logsStopped: options.logsStopped }),
    standardGates({
      isInitialized: () => options.initialized ?? true,
      authenticate: fakeAuthenticate,
      newRequestId: () => `req-${++counter}`,
    }),
  );
  const app = createLocalApp(dispatcher, { maxBodyBytes: options.maxBodyBytes });
  return (request: Request) => app.fetch(request);
}

Deno.test("createLocalApp() answers a unary call with proto3 JSON as identity local", async () => {
  const outcome = await callJson(localApp(), "/jaco.v1.Cluster/Status", {});
  assert.deepEqual(outcome, {
    status: 200,
    response: { initialized: true, leader: "local", raftIndex: 7 },
  });
});

Deno.test("createLocalApp() passes transport and request id to handlers and echoes the id", async () => {
  const app = localApp();
  const response = await app(
    new Request("http://jaco/jaco.v1.Cluster/Init", {
      method: "POST",
      headers: { "x-request-id": "from-cli" },
      body: JSON.stringify({ cluster_name: "prod" }),
    }),
  );
  assert.equal(response.headers.get("x-request-id"), "from-cli");
  assert.deepEqual(await response.json(), {
    clusterId: "prod-id",
    operatorToken: "socket/from-cli",
  });
});

Deno.test("createLocalApp() sends typed errors with the HTTP status of their gRPC status", async () => {
  const app = localApp();
  assert.deepEqual(await callJson(app, "/jaco.v1.Deploy/Rollback", { deployment: "api" }), {
    status: 404,
    error: {
      code: "deployment_not_found",
      message: `deployment "api" not found`,
      details: { deployment: "api" },
    },
  });
  assert.deepEqual(await callJson(app, "/jaco.v1.Tokens/Issue", {}), {
    status: 400,
    error: {
      code: "validation_failed",
      message: "identity is required",
      details: { field: "identity" },
    },
  });
});

Deno.test("createLocalApp() turns a handler crash into internal without a stack", async () => {
  const outcome = await callJson(localApp(), "/jaco.v1.Tokens/Revoke", { identity: "bob" });
  assert.deepEqual(outcome, {
    status: 500,
    error: { code: "internal", message: "internal error", details: { reason: "store exploded" } },
  });
});

Deno.test("createLocalApp() answers Unimplemented (501) for unregistered and unknown paths", async () => {
  const app = localApp();
  for (
    const path of ["/jaco.v1.Watch/Subscribe", "/jaco.v1.Cluster/Restore", "/jaco.v1.Nope/X", "/"]
  ) {
    const outcome = await callJson(app, path, {});
    assert.equal(outcome.status, 501, path);
    assert.equal(outcome.error?.details.code, "UNIMPLEMENTED", path);
  }
});

Deno.test("createLocalApp() applies the pre-init gate", async () => {
  const app = localApp({ initialized: false });
  const refused = await callJson(app, "/jaco.v1.Deploy/Rollback", { deployment: "web" });
  assert.equal(refused.status, 503);
  assert.equal(refused.error?.code, "cluster_uninitialized");
  assert.equal((await callJson(app, "/jaco.v1.Cluster/Status", {})).status, 200);
});

Deno.test("createLocalApp() refuses Internal.* on the socket", async () => {
  const outcome = await callJson(localApp(), "/jaco.v1.Internal/EnsureSubnet", {});
  assert.equal(outcome.status, 401);
  assert.equal(outcome.error?.details.reason, "peer_certificate_required");
});

Deno.test("createLocalApp() streams NDJSON and ends a failed stream with an error line", async () => {
  const app = localApp();
  assert.deepEqual(await callJson(app, "/jaco.v1.Cluster/Backup", {}), {
    status: 200,
    items: [{ data: "AQ==" }, { data: "Ag==" }, { data: "Aw==" }],
  });
  assert.deepEqual(await callJson(app, "/jaco.v1.Audit/Query", {}), {
    status: 200,
    items: [{ raftIndex: 1, identity: "alice" }],
    error: { code: "no_leader", message: "no leader elected", details: { term: "4" } },
  });
});

Deno.test("createLocalApp() answers an early stream failure with a plain error status", async () => {
  assert.deepEqual(await callJson(localApp(), "/jaco.v1.Deploy/Logs", { deployment: "" }), {
    status: 400,
    error: {
      code: "validation_failed",
      message: "deployment is required",
      details: { field: "deployment" },
    },
  });
});

Deno.test("createLocalApp() stops a follow stream when the reader cancels", async () => {
  let stopped = () => {};
  const logsStopped = new Promise<void>((resolve) => stopped = resolve);
  const response = await localApp({ logsStopped: () => stopped() })(
    new Request("http://jaco/jaco.v1.Deploy/Logs", {
      method: "POST",
      body: JSON.stringify({ deployment: "web", follow: true }),
    }),
  );
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (text.split("\n").length < 4) text += (await reader.read()).value;
  await reader.cancel();
  assert.deepEqual(JSON.parse(text.split("\n")[0]), { replicaId: "r0", line: "line 0" });
  await logsStopped;
});

Deno.test("createLocalApp() refuses malformed bodies as validation_failed", async () => {
  const app = localApp({ maxBodyBytes: 64 });
  const cases: [string, RegExp][] = [
    ["{", /^request body is not valid JSON/],
    ["[1]", /^request body must be a JSON object, got array/],
    [`{"identity": 5}`, /^field "identity" has the wrong type: got number, want string$/],
    [`{"identity": "a", "extra": 1}`, /^field "extra" is unknown/],
    [JSON.stringify({ identity: "x".repeat(100) }), /^request body exceeds 64 bytes$/],
  ];
  for (const [body, message] of cases) {
    const outcome = await callJson(app, "/jaco.v1.Tokens/Issue", body);
    assert.equal(outcome.status, 400, body);
    assert.equal(outcome.error?.code, "validation_failed", body);
    assert.match(outcome.error?.message ?? "", message, body);
  }
  const invalidUtf8 = await app(
    new Request("http://jaco/jaco.v1.Tokens/Issue", {
      method: "POST",
      body: new Uint8Array([0x7b, 0xff, 0x7d]),
    }),
  );
  assert.equal((await invalidUtf8.json()).message, "request body is not valid UTF-8");
  const get = await app(new Request("http://jaco/jaco.v1.Cluster/Status"));
  assert.equal(get.status, 400);
});

Deno.test("createLocalApp() refuses a body cut short as validation_failed, never internal", async () => {
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) return controller.error(new Error("connection closed before message completed"));
      sent = true;
      controller.enqueue(new TextEncoder().encode(`{"identity":`));
    },
  });
  const response = await localApp()(
    new Request("http://jaco/jaco.v1.Tokens/Issue", { method: "POST", body }),
  );
  assert.equal(response.status, 400);
  assert.deepEqual(await response.json(), {
    code: "validation_failed",
    message: "request body ended before it was complete",
    details: { reason: "connection closed before message completed" },
  });
});

Deno.test("createLocalApp() treats an empty body as the empty message", async () => {
  const outcome = await callJson(localApp(), "/jaco.v1.Cluster/Status", "");
  assert.equal(outcome.status, 200);
});
