/**
 * Polling instead of fixed sleeps: wait until a condition holds, and when it
 * does not, fail with a message saying what was awaited, for how long, and
 * the last error the condition raised.
 */

/** Clock used by {@linkcode waitFor}; tests pass a fake one. */
export interface WaitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: WaitClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Options for {@linkcode waitFor}. */
export interface WaitForOptions {
  /** What is awaited, for the timeout message ("dockerd of n1 to answer"). */
  what: string;
  /** Give up after this long; default 30 s. */
  timeoutMs?: number;
  /** Pause between attempts; default 100 ms. */
  intervalMs?: number;
  /** Stop waiting at once when aborted, rejecting with the abort reason. */
  signal?: AbortSignal;
  clock?: WaitClock;
}

/** {@linkcode waitFor} gave up; `cause` is the condition's last error, if any. */
export class WaitTimeoutError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WaitTimeoutError";
  }
}

/**
 * Calls `condition` until it returns a truthy value and returns that value.
 * A condition that throws counts as "not yet"; its last error ends up in the
 * timeout error. The condition always runs at least once.
 *
 * @throws {WaitTimeoutError} when `timeoutMs` passes first
 * @throws the abort reason when `signal` aborts
 * @example
 * await waitFor(async () => (await host.exec(["true"])).code === 0, { what: "host to answer" });
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: WaitForOptions,
): Promise<NonNullable<T>> {
  const clock = options.clock ?? realClock;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  const start = clock.now();
  let attempts = 0;
  let lastError: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    attempts++;
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    options.signal?.throwIfAborted();
    const elapsed = clock.now() - start;
    if (elapsed >= timeoutMs) {
      const detail = lastError === undefined
        ? ""
        : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new WaitTimeoutError(
        `timed out after ${elapsed} ms (${attempts} attempts) waiting for ${options.what}${detail}`,
        lastError === undefined ? undefined : { cause: lastError },
      );
    }
    await clock.sleep(Math.min(intervalMs, timeoutMs - elapsed));
  }
}
