/**
 * Making an image available before create (scheduling.md §7.3 step 7): `pull_policy: never`
 * skips the pull (a missing image surfaces Docker's error at create); every other policy pulls.
 * A failed attempt n waits `2^(n−1)` s capped at 1 h and retries until success or cancellation.
 * Credentials are resolved anew for every attempt, so a `jaco registry login` during the
 * backoff is used by the next try. The clock is injected (`sleep`), so tests run instantly.
 *
 * @module
 */
import type { PullPolicy } from "./container_spec.ts";
import type { ContainerEngine, RegistryAuth } from "./engine.ts";

/** Longest wait between two attempts. */
export const maxPullBackoffMs = 3_600_000;

/** Wait before the attempt after failed attempt `attempt` (1-based): 1 s, 2 s, 4 s … ≤ 1 h. */
export function pullBackoffMs(attempt: number): number {
  return Math.min(maxPullBackoffMs, 1000 * 2 ** Math.min(attempt - 1, 32));
}

/** Raised when the pull loop ends because its signal aborted. */
export class PullCancelledError extends Error {
  constructor() {
    super("image pull cancelled");
    this.name = "PullCancelledError";
  }
}

/** Options of {@link ensureImage}. */
export interface EnsureImageOptions {
  engine: ContainerEngine;
  image: string;
  pullPolicy?: PullPolicy;
  /** Credentials for this attempt (undefined = anonymous). */
  auth(): RegistryAuth | undefined;
  /** Called before attempt n (1-based). */
  onAttempt?(attempt: number): void | Promise<void>;
  /** Called after failed attempt n with the error and the wait before the next one. */
  onFailure?(attempt: number, error: Error, backoffMs: number): void | Promise<void>;
  /** Abortable wait (rejects or resolves early on abort). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  signal: AbortSignal;
}

/**
 * Pulls per `pull_policy`, retrying with exponential backoff until success.
 *
 * @returns the number of attempts made (0 when `never`)
 * @throws {PullCancelledError} when `signal` aborts
 */
export async function ensureImage(options: EnsureImageOptions): Promise<number> {
  if (options.pullPolicy === "never") return 0;
  for (let attempt = 1;; attempt++) {
    if (options.signal.aborted) throw new PullCancelledError();
    await options.onAttempt?.(attempt);
    try {
      await options.engine.pullImage(options.image, options.auth(), options.signal);
      return attempt;
    } catch (error) {
      if (options.signal.aborted) throw new PullCancelledError();
      const backoffMs = pullBackoffMs(attempt);
      await options.onFailure?.(attempt, error as Error, backoffMs);
      await options.sleep(backoffMs, options.signal).catch(() => {
        // An aborted sleep ends the loop at the check above.
      });
    }
  }
}

/** An abortable `setTimeout` wait (resolves early when the signal aborts). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
