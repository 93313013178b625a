/**
 * How a {@link JacoError} travels on each transport: the gRPC status (the bare status of
 * `status_errors.ts` errors, else the code's mapping) and the HTTP status of the local JSON
 * API derived from it (i4 wire shape).
 *
 * @module
 */
import { type GrpcErrorStatus, GrpcStatus, type JacoError, toGrpcStatus } from "../../proto/mod.ts";
import { bareStatusOf } from "./status_errors.ts";

const httpByGrpc: ReadonlyMap<number, number> = new Map([
  [GrpcStatus.INVALID_ARGUMENT, 400],
  [GrpcStatus.UNAUTHENTICATED, 401],
  [GrpcStatus.PERMISSION_DENIED, 403],
  [GrpcStatus.NOT_FOUND, 404],
  [GrpcStatus.ALREADY_EXISTS, 409],
  [GrpcStatus.FAILED_PRECONDITION, 412],
  [GrpcStatus.RESOURCE_EXHAUSTED, 429],
  [GrpcStatus.UNIMPLEMENTED, 501],
  [GrpcStatus.UNAVAILABLE, 503],
  [GrpcStatus.DEADLINE_EXCEEDED, 504],
]);

/** The numeric gRPC status `error` is sent under. */
export function grpcCodeOf(error: JacoError): number {
  return bareStatusOf(error) ?? error.grpcStatus;
}

/** The grpc-js error object for `error` (status, code as message, envelope in trailers). */
export function grpcErrorOf(error: JacoError): GrpcErrorStatus {
  const status = toGrpcStatus(error);
  status.code = grpcCodeOf(error) as GrpcErrorStatus["code"];
  return status;
}

/** The HTTP status of `error` on the local JSON API (500 for Internal and anything unlisted). */
export function httpStatusOf(error: JacoError): number {
  return httpByGrpc.get(grpcCodeOf(error)) ?? 500;
}
