import assert from "node:assert/strict";
import { errorFromGrpcStatus, GrpcStatus, JacoError, toGrpcStatus } from "../../proto/mod.ts";
import { bareStatusOf, shuttingDown, unimplemented } from "./status_errors.ts";

Deno.test("bareStatusOf() gives Unimplemented and Unavailable for their errors", () => {
  assert.equal(bareStatusOf(unimplemented("/jaco.v1.X/Y")), GrpcStatus.UNIMPLEMENTED);
  assert.equal(bareStatusOf(shuttingDown()), GrpcStatus.UNAVAILABLE);
  assert.equal(unimplemented("/jaco.v1.X/Y").details.method, "/jaco.v1.X/Y");
});

Deno.test("bareStatusOf() ignores ordinary and half-shaped errors", () => {
  assert.equal(bareStatusOf(new JacoError("no_leader", "no leader")), undefined);
  assert.equal(
    bareStatusOf(new JacoError("internal", "x", { code: "UNIMPLEMENTED", grpc_status: "14" })),
    undefined,
  );
  assert.equal(bareStatusOf(new JacoError("internal", "x", { code: "toString" })), undefined);
});

Deno.test("bareStatusOf() survives the envelope round trip a client does", () => {
  const received = errorFromGrpcStatus(toGrpcStatus(shuttingDown()));
  assert.equal(bareStatusOf(received), GrpcStatus.UNAVAILABLE);
  // A client that only saw the bare status synthesizes the same shape.
  const synthesized = errorFromGrpcStatus({ code: GrpcStatus.UNIMPLEMENTED, details: "" });
  assert.equal(bareStatusOf(synthesized), GrpcStatus.UNIMPLEMENTED);
});
