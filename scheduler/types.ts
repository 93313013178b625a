/**
 * The scheduler's input and output types and its fixed figures.
 *
 * @module
 */
import type { Command } from "../proto/mod.ts";
import type { StateView } from "../state/mod.ts";

/** One command payload of a plan (a child of the pass's Batch). */
export type CommandPayload = NonNullable<Command["payload"]>;

/** What one planning pass reads: replicated state, the leader's clock and node liveness. */
export interface PlanInput {
  /** Consistent read-only state. */
  view: StateView;
  /** The leader's clock for this pass (rollout timeouts, restart backoff, plan stamps). */
  now: Date;
  /** Hostnames the leader currently hears from (itself included). */
  liveHosts: ReadonlySet<string>;
}

/** Something the loop should log about a pass. */
export interface PlanLog {
  /** Log level. */
  level: "info" | "warn";
  /** Message (lower-case, no trailing period). */
  message: string;
  /** Structured fields. */
  fields: Record<string, string | number>;
}

/** The result of one pass: commands to submit as ONE Batch (identity `scheduler`). */
export interface Plan {
  /** Command payloads in apply order; empty = nothing to do. */
  commands: CommandPayload[];
  /** What the loop should log. */
  logs: PlanLog[];
  /**
   * Earliest time at which the plan can change without any state change (a restart backoff or
   * a rollout step timeout expiring); undefined = only state changes matter.
   */
  wakeAt?: Date;
}

/** Identity of the scheduler's batches (audit, command envelope). */
export const schedulerIdentity = "scheduler";

/** A rollout step that has not advanced for this long is aborted (scheduling.md §6). */
export const rolloutStepTimeoutMs = 60_000;

/** Consecutive failures (restarts + the failure at hand) after which restarting stops. */
export const restartLimit = 3;

/** Observation code of a replica the restarter gave up on. */
export const restartExhaustedCode = "restart_exhausted";

/** Key of `Node.status_details` that marks a node being drained by `node remove`. */
export const drainDetailKey = "drain";
