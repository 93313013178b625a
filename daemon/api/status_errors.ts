/**
 * Failures that are a transport status rather than a JACO code: Unimplemented (errors.md §2
 * maps unimplemented methods to the gRPC status only) and Unavailable while the server shuts
 * down. The closed code set has no code for either, so they are `internal` errors carrying
 * `details.code` = the gRPC status name and `details.grpc_status` = its number — exactly what a
 * client synthesizes from a bare status — and they travel under that status (gRPC 12 / HTTP 501,
 * gRPC 14 / HTTP 503), so the CLI's retry rule (Unavailable is retryable) still applies.
 *
 * @module
 */
import { GrpcStatus, JacoError } from "../../proto/mod.ts";

const bareStatuses = {
  UNIMPLEMENTED: GrpcStatus.UNIMPLEMENTED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
} as const;

type BareStatusName = keyof typeof bareStatuses;

function bareStatusError(
  name: BareStatusName,
  message: string,
  details: Record<string, string> = {},
): JacoError {
  return new JacoError("internal", message, {
    ...details,
    code: name,
    grpc_status: String(bareStatuses[name]),
  });
}

/** The error an unimplemented (or unknown) method answers with. */
export function unimplemented(path: string): JacoError {
  return bareStatusError("UNIMPLEMENTED", `method ${path} is not implemented`, { method: path });
}

/** The error an open stream ends with when the server shuts down (retryable elsewhere). */
export function shuttingDown(): JacoError {
  return bareStatusError("UNAVAILABLE", "server is shutting down");
}

/**
 * The bare gRPC status an error stands for (see the module doc), or undefined for an ordinary
 * JACO error.
 */
export function bareStatusOf(error: JacoError): number | undefined {
  if (error.code !== "internal" || !Object.hasOwn(bareStatuses, error.details.code ?? "")) {
    return undefined;
  }
  const status = bareStatuses[error.details.code as BareStatusName];
  return error.details.grpc_status === String(status) ? status : undefined;
}
