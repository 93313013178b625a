import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Metadata } from "@grpc/grpc-js";
import { GrpcStatus, JacoError } from "./errors.ts";
import { asJacoError, errorFromGrpcStatus, errorMetadataKey, toGrpcStatus } from "./grpc_error.ts";

Deno.test("toGrpcStatus() sends the code as status message and the envelope as jaco-error-bin", () => {
  const error = new JacoError("port_conflict", "host port 8080 is already published", {
    service: "web",
    port: "8080",
  });
  const status = toGrpcStatus(error);
  assert.equal(status.code, GrpcStatus.INVALID_ARGUMENT);
  assert.equal(status.details, "port_conflict");
  assert.equal(status.metadata.get(errorMetadataKey).length, 1);
  assert.equal(errorMetadataKey, "jaco-error-bin");
});

Deno.test("errorFromGrpcStatus() round-trips code, message and details of toGrpcStatus()", () => {
  for (
    const original of [
      new JacoError("no_leader", "no leader elected yet"),
      new JacoError("deployment_not_found", 'deployment "web" not found', { deployment: "web" }),
      new JacoError("subnet_pool_exhausted", "no free /24 in 10.100.0.0/16", {
        deployment: "web",
        network: "back",
      }),
    ]
  ) {
    const back = errorFromGrpcStatus(toGrpcStatus(original));
    assert.deepEqual(back.toJSON(), original.toJSON());
    assert.equal(back.grpcStatus, original.grpcStatus);
  }
});

Deno.test("errorFromGrpcStatus() reads a bare code from the status text when no envelope", () => {
  const bare = errorFromGrpcStatus({ code: GrpcStatus.UNAVAILABLE, details: "no_leader" });
  assert.equal(bare.code, "no_leader");
  assert.equal(bare.message, "no_leader");
  const prefixed = errorFromGrpcStatus({
    code: GrpcStatus.UNAVAILABLE,
    details: "cluster_uninitialized: run jaco cluster init first",
    metadata: new Metadata(),
  });
  assert.equal(prefixed.code, "cluster_uninitialized");
  assert.equal(prefixed.message, "run jaco cluster init first");
});

Deno.test("errorFromGrpcStatus() synthesizes the status name for untyped failures", () => {
  const error = errorFromGrpcStatus({
    code: GrpcStatus.UNAVAILABLE,
    details: "connect ECONNREFUSED",
  });
  assert.equal(error.code, "internal");
  assert.equal(error.message, "connect ECONNREFUSED");
  assert.deepEqual(error.details, { code: "UNAVAILABLE", grpc_status: "14" });
});

Deno.test("errorFromGrpcStatus() falls back to the status text when the envelope is corrupt", () => {
  const metadata = new Metadata();
  metadata.set(errorMetadataKey, Buffer.from([0xff, 0xff, 0xff]));
  const error = errorFromGrpcStatus({
    code: GrpcStatus.NOT_FOUND,
    details: "route_not_found",
    metadata,
  });
  assert.equal(error.code, "route_not_found");
});

Deno.test("asJacoError() passes JACO errors through and wraps anything else as internal", () => {
  const jaco = new JacoError("token_invalid", "token is required");
  assert.equal(asJacoError(jaco), jaco);
  const wrapped = asJacoError(new TypeError("boom"));
  assert.equal(wrapped.code, "internal");
  assert.deepEqual(wrapped.details, { reason: "boom" });
  assert.ok(wrapped.cause instanceof TypeError);
});
