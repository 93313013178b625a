/**
 * The error envelope of the JACO contract (`spec/errors.md`): a closed set of
 * string codes, the {@link JacoError} class every user-facing failure is thrown
 * as, and the gRPC status each code maps to.
 *
 * This file is pure (no imports, no Deno or Node API) so code that must run
 * without gRPC — `compose/` and the npm validator package — can import it
 * directly. It is the second entry point of `proto/` besides `mod.ts`.
 *
 * @module
 */

/** Every error code of the closed set (errors.md §3 and §4), keyed by itself. */
export const ErrorCode = {
  cluster_uninitialized: "cluster_uninitialized",
  cluster_already_initialized: "cluster_already_initialized",
  node_already_member: "node_already_member",
  no_leader: "no_leader",
  quorum_lost: "quorum_lost",
  token_invalid: "token_invalid",
  token_revoked: "token_revoked",
  validation_failed: "validation_failed",
  unknown_service: "unknown_service",
  unknown_host: "unknown_host",
  unknown_network: "unknown_network",
  reserved_port: "reserved_port",
  legacy_compose_field: "legacy_compose_field",
  env_file_unresolved: "env_file_unresolved",
  parse_failed: "parse_failed",
  replicas_exceed_pinned_hosts: "replicas_exceed_pinned_hosts",
  image_pull_failed: "image_pull_failed",
  cert_failed: "cert_failed",
  docker_error: "docker_error",
  isolation_unavailable: "isolation_unavailable",
  isolation_self_test_failed: "isolation_self_test_failed",
  subnet_pool_exhausted: "subnet_pool_exhausted",
  port_conflict: "port_conflict",
  deployment_not_found: "deployment_not_found",
  no_previous_revision: "no_previous_revision",
  upgrade_verification_failed: "upgrade_verification_failed",
  upgrade_failed: "upgrade_failed",
  internal: "internal",
  route_tls_mixed: "route_tls_mixed",
  route_multiple_catchall: "route_multiple_catchall",
  route_not_found: "route_not_found",
  invalid_depends_on: "invalid_depends_on",
  unknown_depends_on_service: "unknown_depends_on_service",
  unsupported_depends_on_condition: "unsupported_depends_on_condition",
  privilege_denied: "privilege_denied",
  join_token_invalid: "join_token_invalid",
  join_token_consumed: "join_token_consumed",
  join_token_expired: "join_token_expired",
  csr_invalid: "csr_invalid",
  ca_missing: "ca_missing",
  drain_no_placement: "drain_no_placement",
  drain_timeout: "drain_timeout",
  drain_cancelled: "drain_cancelled",
  drain_apply_failed: "drain_apply_failed",
  raft_apply_failed: "raft_apply_failed",
  raft_unavailable: "raft_unavailable",
  state_unavailable: "state_unavailable",
  raft_add_voter_failed: "raft_add_voter_failed",
  raft_remove_failed: "raft_remove_failed",
  raft_demote_failed: "raft_demote_failed",
  backup_failed: "backup_failed",
  no_cluster: "no_cluster",
  ipam_unavailable: "ipam_unavailable",
  logs_unavailable: "logs_unavailable",
  logs_stream: "logs_stream",
  rand_failed: "rand_failed",
  cannot_satisfy_host_placement: "cannot_satisfy_host_placement",
} as const;

/** One code of the closed set. */
export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];

/** gRPC status codes (numeric, as on the wire) used by the mapping below. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A numeric gRPC status code. */
export type GrpcStatus = typeof GrpcStatus[keyof typeof GrpcStatus];

const statusGroups: ReadonlyArray<readonly [GrpcStatus, readonly ErrorCode[]]> = [
  [GrpcStatus.INVALID_ARGUMENT, [
    "validation_failed",
    "parse_failed",
    "unknown_service",
    "unknown_host",
    "unknown_network",
    "reserved_port",
    "port_conflict",
    "legacy_compose_field",
    "env_file_unresolved",
    "replicas_exceed_pinned_hosts",
    "route_tls_mixed",
    "route_multiple_catchall",
    "invalid_depends_on",
    "unknown_depends_on_service",
    "unsupported_depends_on_condition",
    "csr_invalid",
  ]],
  [GrpcStatus.UNAUTHENTICATED, ["token_invalid", "token_revoked"]],
  [GrpcStatus.PERMISSION_DENIED, [
    "privilege_denied",
    "join_token_invalid",
    "join_token_consumed",
    "join_token_expired",
  ]],
  [GrpcStatus.NOT_FOUND, ["deployment_not_found", "route_not_found"]],
  [GrpcStatus.FAILED_PRECONDITION, [
    "cluster_already_initialized",
    "no_previous_revision",
    "drain_timeout",
    "drain_no_placement",
    "no_cluster",
  ]],
  [GrpcStatus.ALREADY_EXISTS, ["node_already_member"]],
  [GrpcStatus.UNAVAILABLE, [
    "cluster_uninitialized",
    "no_leader",
    "quorum_lost",
    "raft_unavailable",
    "state_unavailable",
    "ipam_unavailable",
    "logs_unavailable",
    "isolation_unavailable",
  ]],
  [GrpcStatus.RESOURCE_EXHAUSTED, ["subnet_pool_exhausted"]],
  [GrpcStatus.DEADLINE_EXCEEDED, ["drain_cancelled"]],
];

const statusByCode: ReadonlyMap<string, GrpcStatus> = new Map(
  statusGroups.flatMap(([status, codes]) => codes.map((code) => [code, status] as const)),
);

/**
 * The gRPC status an error code travels under (errors.md §2). Codes the table
 * does not list (observation codes such as `docker_error`, and `internal`)
 * map to `INTERNAL`.
 */
export function grpcStatusOf(code: ErrorCode): GrpcStatus {
  return statusByCode.get(code) ?? GrpcStatus.INTERNAL;
}

/** True when `value` is one of the closed set's codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ErrorCode, value);
}

/** Structured context of an error: a flat string map (`{service, field, …}`). */
export type ErrorDetails = Record<string, string>;

/** The wire shape of an error (`Error{code,message,details}`), also the CLI's `-o json`. */
export interface ErrorEnvelope {
  code: ErrorCode;
  message: string;
  details: ErrorDetails;
}

/**
 * A user-facing failure with a code from the closed set. Thrown where input
 * enters; rendered once by the CLI (`Error: <code>: <message>`) or the API
 * layer (gRPC status + `Error` detail, or JSON on the local socket).
 *
 * @example
 * ```ts
 * throw new JacoError("unknown_service", `jaco service "api" is not defined in the compose file`, {
 *   service: "api",
 * });
 * ```
 */
export class JacoError extends Error {
  /** Code from the closed set; clients branch on it. */
  readonly code: ErrorCode;
  /** Flat structured context, shown verbatim by clients. */
  readonly details: ErrorDetails;

  constructor(
    code: ErrorCode,
    message: string,
    details: ErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "JacoError";
    this.code = code;
    this.details = { ...details };
  }

  /** The gRPC status this error is sent under. */
  get grpcStatus(): GrpcStatus {
    return grpcStatusOf(this.code);
  }

  /** The envelope (`{code, message, details}`) with details sorted by key. */
  toJSON(): ErrorEnvelope {
    const details: ErrorDetails = {};
    for (const key of Object.keys(this.details).sort()) details[key] = this.details[key];
    return { code: this.code, message: this.message, details };
  }

  /**
   * Rebuilds an error from its envelope (e.g. received over the wire). An
   * unknown code becomes `internal` with the original code in `details.code`,
   * so a newer server never crashes an older client.
   */
  static fromEnvelope(
    envelope: { code: string; message: string; details?: ErrorDetails },
  ): JacoError {
    if (isErrorCode(envelope.code)) {
      return new JacoError(envelope.code, envelope.message, envelope.details ?? {});
    }
    return new JacoError("internal", envelope.message, {
      ...(envelope.details ?? {}),
      code: envelope.code,
    });
  }
}

/** True when `error` is a {@link JacoError} (also across realms, by name and code). */
export function isJacoError(error: unknown): error is JacoError {
  return error instanceof JacoError ||
    (error instanceof Error && error.name === "JacoError" &&
      isErrorCode((error as JacoError).code));
}
