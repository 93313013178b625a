/**
 * Runs a {@link VoterReconciler} on the leader's schedule (cluster.md §5):
 * a tick every 3 s and one more whenever a join or removal kicks it. Kicks
 * are coalesced: any number of kicks during a tick cause exactly one more
 * tick right after it.
 *
 * @module
 */
import type { ReconcilerLog, TickResult } from "./voter_reconciler.ts";

/** Default pause between ticks (cluster.md §5). */
export const RECONCILE_INTERVAL_MS = 3000;

/** Options of {@link startVoterLoop}. */
export interface VoterLoopOptions {
  /** What to run each tick (a `VoterReconciler`). */
  reconciler: { tick(): Promise<TickResult> };
  /** Ends the loop; the tick in flight finishes first. */
  signal: AbortSignal;
  /** Pause between ticks (default {@link RECONCILE_INTERVAL_MS}). */
  intervalMs?: number;
  /** Log sink for the start line and unexpected tick failures (default: discard). */
  log?: ReconcilerLog;
}

/** A running loop. */
export interface VoterLoop {
  /** Asks for a tick now (after a join or a removal). */
  kick(): void;
  /** Resolves once the loop stopped after `signal` aborted. */
  done: Promise<void>;
}

/**
 * Starts ticking `reconciler` at once, then every `intervalMs` and on each
 * kick, until `signal` aborts. Tick failures are the reconciler's to report;
 * the loop never stops on them.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * const loop = startVoterLoop({ reconciler, signal: stop.signal, log });
 * loop.kick(); // after a join
 * stop.abort();
 * await loop.done;
 * ```
 */
export function startVoterLoop(options: VoterLoopOptions): VoterLoop {
  const { reconciler, signal } = options;
  const intervalMs = options.intervalMs ?? RECONCILE_INTERVAL_MS;
  let kicked = false;
  let wake: (() => void) | undefined;

  const pause = () =>
    new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", finish);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, intervalMs);
      signal.addEventListener("abort", finish, { once: true });
      wake = finish;
    });

  const run = async () => {
    options.log?.("info", "membership reconciler started", { interval_ms: intervalMs });
    while (!signal.aborted) {
      kicked = false;
      try {
        await reconciler.tick();
      } catch (error) {
        // VoterReconciler.tick never throws; any other tick that does must not end the loop.
        options.log?.("error", "membership reconciler tick failed", { error: String(error) });
      }
      if (!kicked && !signal.aborted) await pause();
    }
  };

  return {
    kick() {
      kicked = true;
      wake?.();
    },
    done: run(),
  };
}
