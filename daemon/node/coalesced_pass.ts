/**
 * The trigger discipline every level-triggered member loop shares: a pass never overlaps another,
 * triggers during a pass coalesce into exactly one more pass after it, and bursts of state events
 * are debounced into one pass. Loops call {@link CoalescedPass.schedule} from their state
 * subscriptions and {@link CoalescedPass.trigger} from their safety ticks.
 *
 * Decisions:
 * - A trigger that arrives while a pass runs is remembered and becomes a *debounced* pass after
 *   it (not an immediate one), so a burst of events during a long pass costs one more pass.
 * - A pass that throws is reported to `onError`; the loop keeps going (the next trigger retries).
 *
 * @module
 */

/** Options of a {@link CoalescedPass}. */
export interface CoalescedPassOptions {
  /** One reconcile pass. */
  pass(): Promise<void>;
  /** Debounce of {@link CoalescedPass.schedule} (ms). */
  debounceMs: number;
  /** Called with what a pass threw. */
  onError(error: unknown): void;
  /** Ends triggering when aborted (as {@link CoalescedPass.stop} does, without waiting). */
  signal?: AbortSignal;
}

/**
 * Runs a loop's pass on triggers, one at a time.
 *
 * @example
 * ```ts
 * const runner = new CoalescedPass({ pass: reconcile, debounceMs: 200, onError: log });
 * for await (const _event of subscription) runner.schedule();
 * ```
 */
export class CoalescedPass {
  #options: CoalescedPassOptions;
  #running: Promise<void> | undefined;
  #again = false;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(options: CoalescedPassOptions) {
    this.#options = options;
  }

  /** Whether no more passes start. */
  get stopped(): boolean {
    return this.#stopped || this.#options.signal?.aborted === true;
  }

  /** Runs a pass now, or one more (debounced) after the pass in flight. */
  trigger(): void {
    if (this.stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#options.pass()
      .catch((error) => this.#options.onError(error))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.schedule();
        }
      });
  }

  /** Runs a pass after the debounce (each call restarts it). */
  schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => this.trigger(), this.#options.debounceMs);
  }

  /** Starts no more passes and waits for the one in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#debounce);
    await this.#running;
  }
}
