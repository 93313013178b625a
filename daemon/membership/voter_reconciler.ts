/**
 * The leader's voter-set reconciler (cluster.md §5): each tick reads the raft
 * configuration, tracks when this leader first saw each server, and applies at
 * most one suffrage change planned by {@link planVoterChange}. It is
 * level-triggered: any tick converges from whatever configuration it finds,
 * so a missed kick, a failed change or a new leader only delays convergence.
 *
 * @module
 */
import {
  membersOf,
  planVoterChange,
  type VoterChange,
  VoterChangeKind,
  type VoterConfig,
  type VoterPlan,
} from "./voter_plan.ts";

/** What the reconciler reads from raft each tick. */
export type ReconcilerView =
  | { isLeader: false }
  | {
    isLeader: true;
    /** This member's id (the leader; never demoted). */
    self: string;
    config: VoterConfig;
    /** Raft address per server (from the replicated Node records or the conf-change context). */
    addresses: ReadonlyMap<string, string>;
  };

/** Log levels the reconciler writes at. */
export const ReconcilerLogLevel = { info: "info", warn: "warn", error: "error" } as const;
/** One {@link ReconcilerLogLevel} value. */
export type ReconcilerLogLevel = typeof ReconcilerLogLevel[keyof typeof ReconcilerLogLevel];

/** Structured log sink (message texts are the spec's). */
export type ReconcilerLog = (
  level: ReconcilerLogLevel,
  message: string,
  attributes: Record<string, string | number>,
) => void;

/** Options of {@link VoterReconciler}. */
export interface VoterReconcilerOptions {
  /** Clock in ms (injected so tests and the simulator drive time). */
  now: () => number;
  /** Reads the live raft view; a throw counts as a failed tick. */
  read: () => ReconcilerView | Promise<ReconcilerView>;
  /** Applies one change through raft, resolving once it committed (a demotion may take two entries). */
  apply: (change: VoterChange) => Promise<void>;
  /** How long a learner must have been seen by this leader before it may vote (default 3000). */
  promoteAfterMs?: number;
  /**
   * How long a tick waits for `apply` (default 2000, cluster.md §5). A change
   * that outlives it is logged as failed but keeps the reconciler busy until
   * it settles, so two membership changes never overlap.
   */
  applyTimeoutMs?: number;
  /** Log sink (default: discard). */
  log?: ReconcilerLog;
}

/** Default wait for one suffrage change to commit. */
export const APPLY_TIMEOUT_MS = 2000;

/** A suffrage change that did not commit within `applyTimeoutMs`. */
export class VoterChangeTimeoutError extends Error {
  /** Wraps `message` (names the change and the timeout). */
  constructor(message: string) {
    super(message);
    this.name = "VoterChangeTimeoutError";
  }
}

/** How one tick ended. */
export const TickOutcome = {
  /** Not the leader: nothing done, first-seen times forgotten. */
  follower: "follower",
  /** The plan had no change to make. */
  steady: "steady",
  /** The planned change committed. */
  applied: "applied",
  /** Reading raft or applying the change failed; the next tick retries from scratch. */
  failed: "failed",
  /** An earlier change is still in flight (its tick may have timed out); this one did nothing. */
  busy: "busy",
} as const;
/** One {@link TickOutcome} value. */
export type TickOutcome = typeof TickOutcome[keyof typeof TickOutcome];

/** Result of {@link VoterReconciler.tick}. */
export interface TickResult {
  /** How the tick ended. */
  outcome: TickOutcome;
  /** The plan, when this member leads and the read succeeded. */
  plan?: VoterPlan;
  /** The failure, when `outcome` is `failed`. */
  error?: unknown;
}

/**
 * Leader-only voter reconciler with one change per tick. Call `tick()` every
 * 3 s and after each join or removal (concurrent calls while a change is in
 * flight return `busy` instead of stacking a second change).
 *
 * @example
 * ```ts
 * const reconciler = new VoterReconciler({
 *   now: () => Date.now(),
 *   read: () => readRaftView(driver),
 *   apply: (change) => applyVoterChange(driver, change),
 *   log: (level, message, attributes) => logger[level](message, attributes),
 * });
 * await reconciler.tick();
 * ```
 */
export class VoterReconciler {
  #options: VoterReconcilerOptions;
  #firstSeenMs = new Map<string, number>();
  #running = false;
  /** A change whose tick stopped waiting for it; no new change starts until it settles. */
  #lingering: Promise<void> | undefined;

  /** Builds an idle reconciler; nothing happens until `tick()`. */
  constructor(options: VoterReconcilerOptions) {
    this.#options = options;
  }

  /** When this leader first saw each current server (a copy; empty on followers). */
  firstSeen(): ReadonlyMap<string, number> {
    return new Map(this.#firstSeenMs);
  }

  /** Reads raft, plans, and applies at most one change. Never throws; failures are in the result. */
  async tick(): Promise<TickResult> {
    if (this.#running || this.#lingering) return { outcome: TickOutcome.busy };
    this.#running = true;
    try {
      return await this.#tick();
    } finally {
      this.#running = false;
    }
  }

  async #tick(): Promise<TickResult> {
    const log = this.#options.log ?? (() => {});
    let view: ReconcilerView;
    try {
      view = await this.#options.read();
    } catch (error) {
      log("error", "reading raft configuration failed", { error: describe(error) });
      return { outcome: TickOutcome.failed, error };
    }
    if (!view.isLeader) {
      // A later leadership starts its own clock: a server is only trusted after this leader saw it.
      this.#firstSeenMs.clear();
      return { outcome: TickOutcome.follower };
    }
    const nowMs = this.#options.now();
    this.#track(membersOf(view.config), nowMs);
    const plan = planVoterChange({
      config: view.config,
      leader: view.self,
      firstSeenMs: this.#firstSeenMs,
      nowMs,
      promoteAfterMs: this.#options.promoteAfterMs,
      addresses: view.addresses,
    });
    for (const warning of plan.warnings) log("warn", warning, {});
    const change = plan.change;
    if (!change) return { outcome: TickOutcome.steady, plan };
    const attributes = {
      server: change.server,
      voters: plan.voters,
      target: plan.target,
      members: plan.members,
    };
    if (change.kind === VoterChangeKind.promote) {
      log("info", "promoting nonvoter to voter", { ...attributes, address: change.address });
    } else {
      log("info", "demoting voter to nonvoter", attributes);
    }
    const timeoutMs = this.#options.applyTimeoutMs ?? APPLY_TIMEOUT_MS;
    // A synchronous throw from apply becomes a rejection like any other failure.
    const work = Promise.resolve().then(() => this.#options.apply(change));
    try {
      if (await settleWithin(work, timeoutMs) === "timeout") {
        this.#lingering = work
          // Its outcome is already reported as this timeout; the next tick re-reads raft.
          .then(() => {}, () => {})
          .finally(() => this.#lingering = undefined);
        throw new VoterChangeTimeoutError(
          `${change.kind} of ${change.server} did not commit within ${timeoutMs} ms`,
        );
      }
    } catch (error) {
      log("error", `${change.kind} of ${change.server} failed; retrying next tick`, {
        ...attributes,
        error: describe(error),
      });
      return { outcome: TickOutcome.failed, plan, error };
    }
    return { outcome: TickOutcome.applied, plan };
  }

  /** Starts the clock for servers new to this leader and forgets departed ones. */
  #track(members: readonly string[], nowMs: number): void {
    const present = new Set(members);
    for (const server of this.#firstSeenMs.keys()) {
      if (!present.has(server)) this.#firstSeenMs.delete(server);
    }
    for (const server of members) {
      if (!this.#firstSeenMs.has(server)) this.#firstSeenMs.set(server, nowMs);
    }
  }
}

/** Whether `work` settles within `timeoutMs`; rejects when it fails in time. */
async function settleWithin(work: Promise<void>, timeoutMs: number): Promise<"done" | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    return await Promise.race([work.then(() => "done" as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
