/**
 * The scheduler: a pure planner run by the leader in a level-triggered loop
 * (`daemon/scheduling/`). `plan({ view, now, liveHosts })` reads replicated state and returns
 * the commands of one pass — placement (`spread` even across hosts, `pack`, `hosts`, `global`),
 * never-reused replica indexes from the `ReplicaCounter`, sticky placement, start-first rolling
 * updates on any spec change with a 60 s step timeout and automatic rollback, make-before-break
 * drain, dead-node re-pointing (pinned replicas wait, deployment `pending`), retired-service
 * cleanup, the restart policy with backoff and exhaustion, and deployment status. No clock, no
 * I/O: the caller supplies time and liveness.
 *
 * @example
 * ```ts
 * import { plan, planBatch, schedulerIdentity } from "./mod.ts";
 *
 * const result = plan({ view: state.view(), now: new Date(), liveHosts: new Set(["a", "b"]) });
 * if (result.commands.length > 0) await submit(planBatch(result), schedulerIdentity);
 * ```
 *
 * @module
 */
export { plan, planBatch } from "./plan.ts";
export { ClusterFacts, type HostState, isDraining, liveHostsOf } from "./cluster_facts.ts";
export { fnv1a32, sanitizeHostname } from "./placement.ts";
export {
  type CommandPayload,
  drainDetailKey,
  type Plan,
  type PlanInput,
  type PlanLog,
  restartExhaustedCode,
  restartLimit,
  rolloutStepTimeoutMs,
  schedulerIdentity,
} from "./types.ts";
