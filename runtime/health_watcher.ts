/**
 * The per-container health watcher (scheduling.md §8): polls `inspect` every 1 s until the
 * replica is `running`, then every 5 s, classifies each poll ({@link classifyContainer}) and
 * reports only transitions ({@link isTransition}) — never one write per poll (the gap fix of
 * errors.md "every health poll is a raft write").
 *
 * Identity is (replica id, container id); the owner keeps one watcher per replica and starting
 * the same pair again is a no-op, so the warm-up counter survives re-dispatches.
 *
 * {@link HealthWatcher.poke} polls at once (the owner calls it on the engine's container events:
 * exit, OOM, health verdict), so a failing healthcheck or a dead container is reported within a
 * second instead of at the next 5 s poll — DNS, published ports and ingress drop the replica
 * that much sooner (networking.md §6 asks for 5 s). The poll cadence is unchanged; a poke only
 * moves the next poll forward.
 *
 * @module
 */
import { ReplicaState } from "../proto/mod.ts";
import type { ContainerEngine } from "./engine.ts";
import {
  classifyContainer,
  type HealthReport,
  isTransition,
  runningPollsWithoutHealthcheck,
} from "./health.ts";

/** Options of a {@link HealthWatcher}. */
export interface HealthWatcherOptions {
  engine: ContainerEngine;
  replicaId: string;
  containerId: string;
  /** Called on every transition (the first poll is one); awaited before the next poll. */
  onTransition(report: HealthReport, previous: HealthReport | undefined): void | Promise<void>;
  /**
   * The last report already written for this container (e.g. read back from the replicated
   * state after a daemon restart): the first poll is compared with it, and a `running` seed
   * counts as a finished warm-up, so a restart does not flip running → pending → running.
   */
  seed?: HealthReport;
  /** Poll interval until running (default 1000 ms). */
  pendingIntervalMs?: number;
  /** Poll interval while running (default 5000 ms). */
  runningIntervalMs?: number;
}

/** Polls one container until stopped. */
export class HealthWatcher {
  readonly replicaId: string;
  readonly containerId: string;
  #options: HealthWatcherOptions;
  #consecutiveRunning = 0;
  #last: HealthReport | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #polling: Promise<void> | undefined;
  #polls = 0;
  #pokeAgain = false;

  constructor(options: HealthWatcherOptions) {
    this.#options = options;
    this.replicaId = options.replicaId;
    this.containerId = options.containerId;
    this.#last = options.seed;
    if (options.seed?.state === ReplicaState.REPLICA_STATE_RUNNING) {
      this.#consecutiveRunning = runningPollsWithoutHealthcheck;
    }
  }

  /** The last classification (undefined before the first poll). */
  get last(): HealthReport | undefined {
    return this.#last;
  }

  /** Polls made so far. */
  get polls(): number {
    return this.#polls;
  }

  /** Starts polling (first poll now). Idempotent. */
  start(): void {
    if (this.#stopped || this.#timer !== undefined || this.#polling) return;
    this.#schedule(0);
  }

  /**
   * Polls now (or right after the poll in flight), then resumes the usual cadence. No-op once
   * stopped or before {@link start}.
   */
  poke(): void {
    if (this.#stopped) return;
    if (this.#polling) {
      this.#pokeAgain = true;
      return;
    }
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#schedule(0);
  }

  /** Stops polling and waits for a poll in flight. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#polling;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#polling = this.#poll().finally(() => {
        this.#polling = undefined;
        if (this.#stopped) return;
        const running = this.#last?.state === ReplicaState.REPLICA_STATE_RUNNING;
        const again = this.#pokeAgain;
        this.#pokeAgain = false;
        this.#schedule(
          again
            ? 0
            : running
            ? (this.#options.runningIntervalMs ?? 5000)
            : (this.#options.pendingIntervalMs ?? 1000),
        );
      });
    }, delayMs);
  }

  async #poll(): Promise<void> {
    let inspected;
    try {
      inspected = await this.#options.engine.inspectContainer(this.containerId);
    } catch (error) {
      inspected = error as Error;
    }
    if (this.#stopped) return;
    this.#polls++;
    const { report, consecutiveRunning } = classifyContainer(inspected, this.#consecutiveRunning);
    this.#consecutiveRunning = consecutiveRunning;
    const previous = this.#last;
    this.#last = report;
    if (!isTransition(previous, report)) return;
    try {
      await this.#options.onTransition(report, previous);
    } catch {
      // The owner logs its own failures. Forget the report so the next poll (same cadence)
      // offers it again: an unwritten transition must not be lost.
      this.#last = previous;
    }
  }
}
