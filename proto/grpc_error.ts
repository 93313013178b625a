/**
 * Carrying {@link JacoError} over gRPC (errors.md §1–§2): the status code is
 * `grpcStatusOf(code)`, the status message is the `code` itself (so plain-text matchers work),
 * and the full `Error{code,message,details}` envelope travels binary-encoded in the trailing
 * metadata key {@link errorMetadataKey} (`jaco-error-bin`; grpc-js base64s `-bin` values on the
 * wire) so typed clients get message and details back.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Metadata, type StatusObject } from "@grpc/grpc-js";
import { Error as WireError } from "./jaco/v1/errors.ts";
import { ErrorCode, type GrpcStatus, isErrorCode, isJacoError, JacoError } from "./errors.ts";

/** Trailing metadata key holding the binary `jaco.v1.Error` envelope. */
export const errorMetadataKey = "jaco-error-bin";

/**
 * A grpc-js status as a handler passes it to `callback(error)` or `call.destroy(error)`
 * (`ServerErrorResponse`): an `Error` with `code`, `details` and trailing `metadata`.
 */
export interface GrpcErrorStatus extends Error {
  /** Numeric gRPC status code. */
  code: GrpcStatus;
  /** Status message: the JACO error code. */
  details: string;
  /** Trailing metadata carrying {@link errorMetadataKey}. */
  metadata: Metadata;
}

/**
 * The gRPC status a handler fails with for `error`.
 *
 * @example
 * ```ts
 * callback(toGrpcStatus(new JacoError("deployment_not_found", `deployment "web" not found`)));
 * ```
 */
export function toGrpcStatus(error: JacoError): GrpcErrorStatus {
  const envelope = error.toJSON();
  const metadata = new Metadata();
  metadata.set(errorMetadataKey, Buffer.from(WireError.encode(envelope).finish()));
  return Object.assign(new Error(envelope.code), {
    code: error.grpcStatus,
    details: envelope.code,
    metadata,
  });
}

/**
 * Any thrown value as a {@link JacoError}: JACO errors pass through; anything else becomes
 * `internal` with the original message in `details.reason` (the top-level handler's fallback).
 */
export function asJacoError(error: unknown): JacoError {
  if (isJacoError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new JacoError("internal", "internal error", { reason }, { cause: error });
}

const statusNames: ReadonlyMap<number, string> = new Map([
  [0, "OK"],
  [1, "CANCELLED"],
  [2, "UNKNOWN"],
  [3, "INVALID_ARGUMENT"],
  [4, "DEADLINE_EXCEEDED"],
  [5, "NOT_FOUND"],
  [6, "ALREADY_EXISTS"],
  [7, "PERMISSION_DENIED"],
  [8, "RESOURCE_EXHAUSTED"],
  [9, "FAILED_PRECONDITION"],
  [10, "ABORTED"],
  [11, "OUT_OF_RANGE"],
  [12, "UNIMPLEMENTED"],
  [13, "INTERNAL"],
  [14, "UNAVAILABLE"],
  [15, "DATA_LOSS"],
  [16, "UNAUTHENTICATED"],
]);

/**
 * Rebuilds the {@link JacoError} a failed call carried. In order of preference:
 * 1. the `jaco-error-bin` envelope (unknown codes fold into `internal`, see
 *    `JacoError.fromEnvelope`);
 * 2. a status message that is, or starts with, a known code (`no_leader` or
 *    `no_leader: <text>`, as older servers send);
 * 3. otherwise `internal` with the status message, `details.code` = the gRPC status name
 *    (errors.md: clients synthesize the code from the status) and `details.grpc_status` = its
 *    number, so retry logic can still branch on `UNAVAILABLE`.
 *
 * @example
 * ```ts
 * client.list({}, (err, res) => {
 *   if (err) throw errorFromGrpcStatus(err);
 * });
 * ```
 */
export function errorFromGrpcStatus(
  status: Pick<StatusObject, "code" | "details"> & { metadata?: Metadata },
): JacoError {
  const [encoded] = status.metadata?.get(errorMetadataKey) ?? [];
  if (encoded instanceof Uint8Array) {
    try {
      return JacoError.fromEnvelope(WireError.decode(encoded));
    } catch (error) {
      // A corrupt envelope must not hide the status itself: fall through to the status text.
      if (!(error instanceof Error)) throw error;
    }
  }
  const text = status.details ?? "";
  const prefixed = /^([a-z_]+)(?::\s*([\s\S]*))?$/.exec(text);
  if (prefixed && isErrorCode(prefixed[1])) {
    return new JacoError(prefixed[1], prefixed[2] || prefixed[1]);
  }
  const name = statusNames.get(status.code) ?? String(status.code);
  return new JacoError(ErrorCode.internal, text || name, {
    code: name,
    grpc_status: String(status.code),
  });
}
