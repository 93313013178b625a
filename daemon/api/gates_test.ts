import assert from "node:assert/strict";
import { isJacoError } from "../../proto/mod.ts";
import {
  admissionGate,
  type InboundCall,
  initGate,
  requestIdGate,
  requestLogGate,
  type RpcStartLog,
  standardGates,
} from "./gates.ts";
import { fakeAuthenticate } from "./_testing.ts";

function inbound(path: string, overrides: Partial<InboundCall> = {}): InboundCall {
  return { path, transport: "tcp", metadata: new Headers(), ...overrides };
}

async function refusal(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    assert.ok(isJacoError(error), `expected a JacoError, got ${error}`);
    return `${error.code}: ${error.message}`;
  }
  throw new Error("expected a refusal");
}

Deno.test("requestIdGate() honours a well-formed x-request-id and mints otherwise", () => {
  const gate = requestIdGate(() => "minted");
  const honoured = gate(inbound("/p", { metadata: new Headers({ "x-request-id": "abc-1" }) }), {});
  assert.deepEqual(honoured, { requestId: "abc-1" });
  assert.deepEqual(gate(inbound("/p"), {}), { requestId: "minted" });
  const tooLong = new Headers({ "x-request-id": "x".repeat(129) });
  assert.deepEqual(gate(inbound("/p", { metadata: tooLong }), {}), { requestId: "minted" });
});

Deno.test("initGate() admits only Init, Join and Status before init", async () => {
  let initialized = false;
  const gate = initGate(() => initialized);
  for (const method of ["Init", "Join", "Status"]) {
    assert.deepEqual(gate(inbound(`/jaco.v1.Cluster/${method}`), { requestId: "r" }), {
      requestId: "r",
    });
  }
  assert.equal(
    await refusal(() => gate(inbound("/jaco.v1.Cluster/NodeJoin"), {})),
    "cluster_uninitialized: cluster is not initialized",
  );
  initialized = true;
  assert.deepEqual(gate(inbound("/jaco.v1.Deploy/Apply"), {}), {});
});

Deno.test("admissionGate() gives socket callers identity local without a token", async () => {
  const gate = admissionGate(fakeAuthenticate);
  assert.deepEqual(await gate(inbound("/jaco.v1.Deploy/Apply", { transport: "socket" }), {}), {
    identity: "local",
  });
});

Deno.test("admissionGate() maps bearer problems to the spec's token_invalid messages", async () => {
  const gate = admissionGate(fakeAuthenticate);
  const call = (authorization?: string) =>
    gate(
      inbound("/jaco.v1.Deploy/Apply", {
        metadata: new Headers(authorization ? { authorization } : {}),
      }),
      {},
    );
  assert.equal(await refusal(() => call()), "token_invalid: missing authorization header");
  assert.equal(
    await refusal(() => call("Basic Zm9v")),
    "token_invalid: authorization header must use Bearer scheme",
  );
  assert.equal(
    await refusal(() => call("Bearer ")),
    "token_invalid: authorization header must use Bearer scheme",
  );
  assert.equal(await refusal(() => call("Bearer nope")), "token_invalid: unknown token");
  assert.equal(
    await refusal(() => call("Bearer revoked")),
    "token_revoked: token has been revoked",
  );
  assert.deepEqual(await call("Bearer good"), { identity: "alice" });
});

Deno.test("admissionGate() lets Status and NodeJoin through without a token", async () => {
  const gate = admissionGate(fakeAuthenticate);
  for (const path of ["/jaco.v1.Cluster/Status", "/jaco.v1.Cluster/NodeJoin"]) {
    assert.deepEqual(await gate(inbound(path), {}), { identity: "anonymous" });
  }
});

Deno.test("admissionGate() refuses socket-only methods over TCP even with a token", async () => {
  const gate = admissionGate(fakeAuthenticate);
  const metadata = new Headers({ authorization: "Bearer good" });
  assert.match(
    await refusal(() => gate(inbound("/jaco.v1.Cluster/Init", { metadata }), {})),
    /^privilege_denied: method \/jaco.v1.Cluster\/Init is only served on the local unix socket$/,
  );
});

Deno.test("admissionGate() requires a peer certificate for Internal.* on every transport", async () => {
  const gate = admissionGate(fakeAuthenticate);
  const path = "/jaco.v1.Internal/Submit";
  const token = new Headers({ authorization: "Bearer good" });
  assert.match(await refusal(() => gate(inbound(path, { metadata: token }), {})), /^token_invalid/);
  assert.match(
    await refusal(() => gate(inbound(path, { transport: "socket" }), {})),
    /^token_invalid/,
  );
  const peerCertificate = { fingerprint: "AA:BB", commonName: "node-b" };
  assert.deepEqual(await gate(inbound(path, { peerCertificate }), {}), { identity: "node:node-b" });
});

Deno.test("admissionGate() admits a member forwarding for its caller only with a member certificate", async () => {
  const gate = admissionGate(fakeAuthenticate);
  const path = "/jaco.v1.Cluster/NodeRemove";
  const forwarded = new Headers({ "x-jaco-forwarded-identity": "alice" });
  const peerCertificate = { fingerprint: "AA:BB", commonName: "node-b" };
  assert.deepEqual(await gate(inbound(path, { peerCertificate, metadata: forwarded }), {}), {
    identity: "alice",
  });
  // Without a CA-signed member certificate the header is ignored: a token is still needed.
  assert.match(
    await refusal(() => gate(inbound(path, { metadata: forwarded }), {})),
    /^token_invalid/,
  );
  assert.match(
    await refusal(() =>
      gate(inbound("/jaco.v1.Cluster/Init", { peerCertificate, metadata: forwarded }), {})
    ),
    /^privilege_denied/,
  );
});

Deno.test("standardGates() runs the init gate before admission", async () => {
  const gates = standardGates({ isInitialized: () => false, authenticate: fakeAuthenticate });
  // No token at all: the pre-init refusal wins, as in auth-and-config.md §5.
  let admission = {};
  const run = async () => {
    for (const gate of gates) admission = await gate(inbound("/jaco.v1.Deploy/Apply"), admission);
  };
  assert.match(await refusal(run), /^cluster_uninitialized/);
});

Deno.test("requestLogGate() logs rpc or stream start with request id, method and peer", () => {
  const logged: Parameters<RpcStartLog>[] = [];
  const gate = requestLogGate((...entry) => logged.push(entry));
  gate(inbound("/jaco.v1.Cluster/Status", { peer: "10.0.0.5:4242" }), { requestId: "r1" });
  gate(inbound("/jaco.v1.Deploy/Logs", { transport: "socket" }), { requestId: "r2" });
  assert.deepEqual(logged, [
    ["rpc start", { request_id: "r1", method: "/jaco.v1.Cluster/Status", peer: "10.0.0.5:4242" }],
    ["stream start", { request_id: "r2", method: "/jaco.v1.Deploy/Logs", peer: "unknown" }],
  ]);
});

Deno.test("standardGates() logs a refused call too, with its request id", async () => {
  const logged: string[] = [];
  const gates = standardGates({
    isInitialized: () => false,
    authenticate: fakeAuthenticate,
    newRequestId: () => "req-9",
    log: (message, attributes) => logged.push(`${message} ${attributes.request_id}`),
  });
  let admission = {};
  const run = async () => {
    for (const gate of gates) admission = await gate(inbound("/jaco.v1.Deploy/Apply"), admission);
  };
  assert.match(await refusal(run), /^cluster_uninitialized/);
  assert.deepEqual(logged, ["rpc start req-9"]);
});
