/**
 * The untyped contract both wire transports implement (socket JSON and TLS gRPC), the
 * {@link TransportError} they fail with when no typed JACO error came back, and the per-call
 * signal (deadline + Ctrl-C) they share.
 *
 * @module
 */

import type { GrpcStatus } from "../proto/errors.ts";
import type { RpcMethod } from "../proto/mod.ts";

/** Per-call options. */
export interface CallOptions {
  /** Client-side deadline in milliseconds; omitted = none (follow/watch streams). */
  deadlineMs?: number;
  /** Aborts the call (Ctrl-C). */
  signal?: AbortSignal;
}

/** What a wire transport implements, untyped: one call per RPC shape. */
export interface RpcTransport {
  /** See {@link Client.target}. */
  readonly target: string;
  unary(
    method: RpcMethod<unknown, unknown>,
    request: unknown,
    options: CallOptions,
  ): Promise<unknown>;
  serverStream(
    method: RpcMethod<unknown, unknown>,
    request: unknown,
    options: CallOptions,
  ): AsyncIterable<unknown>;
  close(): void;
}

/**
 * A failure with no typed JACO error behind it; the message is the underlying transport text.
 * `status` is the numeric gRPC status (UNAVAILABLE for a refused dial, DEADLINE_EXCEEDED,
 * CANCELLED, …) so the retry rule can branch on it.
 */
export class TransportError extends Error {
  /** Numeric gRPC status of the failure. */
  readonly status: GrpcStatus;
  /** The endpoint it happened on (`socket <path>` or `tcp <host:port>`). */
  readonly endpoint: string;

  constructor(
    status: GrpcStatus,
    message: string,
    options: ErrorOptions & { endpoint: string },
  ) {
    super(message, options);
    this.name = "TransportError";
    this.status = status;
    this.endpoint = options.endpoint;
  }
}

/** Why a call's signal fired. */
export type AbortCause = "deadline" | "cancelled";

/** One call's combined signal: the caller's Ctrl-C plus its deadline. */
export interface CallScope {
  /** Aborts when the deadline passes or the caller's signal aborts. */
  readonly signal: AbortSignal;
  /** What aborted the call, if anything did; the first cause wins. */
  cause(): AbortCause | undefined;
  /** Stops the deadline timer and detaches from the caller's signal. */
  dispose(): void;
}

/** Builds the {@link CallScope} of one call (a deadline of `undefined` never fires). */
export function callScope(options: CallOptions): CallScope {
  const controller = new AbortController();
  let cause: AbortCause | undefined;
  const fire = (why: AbortCause) => {
    cause ??= why;
    controller.abort();
  };
  const onCallerAbort = () => fire("cancelled");
  const timer = options.deadlineMs === undefined
    ? undefined
    : setTimeout(() => fire("deadline"), options.deadlineMs);
  if (options.signal?.aborted) fire("cancelled");
  else options.signal?.addEventListener("abort", onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    cause: () => cause,
    dispose() {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onCallerAbort);
    },
  };
}

/** `30s`, `1.5s`, `250ms`: a deadline as failure messages show it. */
export function formatDeadline(ms: number): string {
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}
