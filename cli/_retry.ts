/**
 * The CLI's retry rule (errors.md §2): `Unavailable`, `DeadlineExceeded`, and anything whose
 * code or message contains `no_leader` may be retried against another endpoint; everything
 * else is final. {@link withFailover} walks a list of endpoints (`node join --peer …`, a
 * context's `server_addrs`) under that rule.
 *
 * Where the spec is silent:
 * - the rule is applied literally, so typed codes under `Unavailable` (`cluster_uninitialized`,
 *   `quorum_lost`, …) and `DeadlineExceeded` (`drain_cancelled`) move on too — another node
 *   may well be initialised, in the majority or less busy;
 * - a call the operator cancelled (Ctrl-C) is never retried;
 * - when every endpoint failed, a lone failure is rethrown as is; if all failures were typed
 *   JACO errors the last one is rethrown (scripts keep branching on its code); otherwise an
 *   {@link EndpointsExhaustedError} lists one `Connection error: <addr>: <reason>` line per
 *   endpoint, as errors.md recommends.
 *
 * @module
 */

import { GrpcStatus, isJacoError } from "../proto/errors.ts";
import { TransportError } from "./_rpc_transport.ts";

const retryableStatuses: ReadonlySet<number> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
]);

/**
 * True when `error` may succeed on another endpoint (see module doc).
 *
 * @example
 * ```ts
 * isRetryable(new JacoError("no_leader", "election in progress")); // true
 * isRetryable(new JacoError("token_invalid", "unknown token")); // false
 * ```
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof TransportError) {
    return retryableStatuses.has(error.status) || error.message.includes("no_leader");
  }
  if (isJacoError(error)) {
    if (retryableStatuses.has(error.grpcStatus)) return true;
    // An untyped status folded into `internal` keeps its gRPC status in details.grpc_status.
    if (retryableStatuses.has(Number(error.details.grpc_status))) return true;
    return error.code.includes("no_leader") || error.message.includes("no_leader");
  }
  return false;
}

/** One endpoint's failure in an {@link EndpointsExhaustedError}. */
export interface EndpointFailure {
  endpoint: string;
  error: unknown;
}

/** Every endpoint failed retryably; the message has one line per endpoint. */
export class EndpointsExhaustedError extends Error {
  /** The failures, in the order they happened. */
  readonly failures: readonly EndpointFailure[];

  constructor(failures: readonly EndpointFailure[]) {
    super(
      failures.map(({ endpoint, error }) => `Connection error: ${endpoint}: ${reasonOf(error)}`)
        .join("\n"),
    );
    this.name = "EndpointsExhaustedError";
    this.failures = failures;
  }
}

function reasonOf(error: unknown): string {
  if (isJacoError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Options of {@link withFailover}. */
export interface FailoverOptions {
  /** Passes over the endpoint list (default 1). */
  rounds?: number;
  /** Pause before each pass after the first, in milliseconds (default 0). */
  pauseMs?: number;
  /** Waits `ms` (injected so tests need no real time). */
  sleep?: (ms: number) => Promise<void>;
  /** Stops moving on once aborted (Ctrl-C); the last failure is thrown. */
  signal?: AbortSignal;
  /** Called after a retryable failure, before the next attempt (for `-v` logs). */
  onRetry?: (failure: EndpointFailure) => void;
}

/**
 * Runs `attempt` against each endpoint in turn until one succeeds or fails finally.
 *
 * @throws the first non-retryable failure as is; when all attempts fail retryably, see the
 *   module doc ({@link EndpointsExhaustedError} or the last typed error)
 * @example
 * ```ts
 * const answer = await withFailover(peers, async (peer) => {
 *   const client = openClient(targetFor(peer));
 *   try {
 *     return await client.unary("Cluster", "Join", request, { deadlineMs: 60_000 });
 *   } finally {
 *     client.close();
 *   }
 * }, { rounds: 3, pauseMs: 1_000 });
 * ```
 */
export async function withFailover<T>(
  endpoints: readonly string[],
  attempt: (endpoint: string) => Promise<T>,
  options: FailoverOptions = {},
): Promise<T> {
  if (endpoints.length === 0) throw new RangeError("withFailover needs at least one endpoint");
  const rounds = options.rounds ?? 1;
  const sleep = options.sleep ??
    ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const failures: EndpointFailure[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round > 0 && options.pauseMs) await sleep(options.pauseMs);
    for (const [index, endpoint] of endpoints.entries()) {
      if (options.signal?.aborted && failures.length > 0) throw failures.at(-1)!.error;
      try {
        return await attempt(endpoint);
      } catch (error) {
        if (!isRetryable(error) || options.signal?.aborted) throw error;
        const failure = { endpoint, error };
        failures.push(failure);
        const last = round === rounds - 1 && index === endpoints.length - 1;
        if (!last) options.onRetry?.(failure);
      }
    }
  }
  if (failures.length === 1 || failures.every((failure) => isJacoError(failure.error))) {
    throw failures.at(-1)!.error;
  }
  throw new EndpointsExhaustedError(failures);
}
