import assert from "node:assert/strict";
import { ErrorCode, GrpcStatus, grpcStatusOf, isJacoError, JacoError } from "./errors.ts";

Deno.test("grpcStatusOf() follows errors.md §2 for every mapped group", () => {
  assert.equal(grpcStatusOf("validation_failed"), GrpcStatus.INVALID_ARGUMENT);
  assert.equal(grpcStatusOf("legacy_compose_field"), GrpcStatus.INVALID_ARGUMENT);
  assert.equal(grpcStatusOf("token_revoked"), GrpcStatus.UNAUTHENTICATED);
  assert.equal(grpcStatusOf("privilege_denied"), GrpcStatus.PERMISSION_DENIED);
  assert.equal(grpcStatusOf("route_not_found"), GrpcStatus.NOT_FOUND);
  assert.equal(grpcStatusOf("no_previous_revision"), GrpcStatus.FAILED_PRECONDITION);
  assert.equal(grpcStatusOf("node_already_member"), GrpcStatus.ALREADY_EXISTS);
  assert.equal(grpcStatusOf("no_leader"), GrpcStatus.UNAVAILABLE);
  assert.equal(grpcStatusOf("subnet_pool_exhausted"), GrpcStatus.RESOURCE_EXHAUSTED);
  assert.equal(grpcStatusOf("drain_cancelled"), GrpcStatus.DEADLINE_EXCEEDED);
  assert.equal(grpcStatusOf("internal"), GrpcStatus.INTERNAL);
  assert.equal(grpcStatusOf("backup_failed"), GrpcStatus.INTERNAL);
});

Deno.test("JacoError.toJSON() gives the envelope with details sorted by key", () => {
  const error = new JacoError("unknown_network", "unknown network: x", {
    service: "a",
    network: "x",
  });
  assert.equal(
    JSON.stringify(error),
    '{"code":"unknown_network","message":"unknown network: x","details":{"network":"x","service":"a"}}',
  );
  assert.ok(isJacoError(error));
  assert.ok(!isJacoError(new Error("plain")));
});

Deno.test("JacoError.fromEnvelope() keeps known codes and folds unknown ones into internal", () => {
  assert.equal(
    JacoError.fromEnvelope({ code: "port_conflict", message: "m" }).code,
    "port_conflict",
  );
  const unknown = JacoError.fromEnvelope({
    code: "from_the_future",
    message: "m",
    details: { a: "b" },
  });
  assert.equal(unknown.code, ErrorCode.internal);
  assert.deepEqual(unknown.details, { a: "b", code: "from_the_future" });
});
