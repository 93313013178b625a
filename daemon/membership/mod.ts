/**
 * The raft voter-set policy (cluster.md §5): the voter target per member
 * count, pure planners for the next suffrage change and for the demotions a
 * graceful remove needs first, the raft conf changes that carry a change out
 * (a demotion is remove + add learner), the leader's one-change-per-tick
 * reconciler and its 3 s / kick loop, and the leader-only suffrage view of
 * `Cluster.Status`.
 *
 * @module
 */
export { failuresTolerated, MAX_VOTERS, voterTarget } from "./voter_target.ts";
export {
  membersOf,
  planVoterChange,
  type PlanVoterChangeOptions,
  PROMOTE_AFTER_MS,
  type VoterChange,
  VoterChangeKind,
  type VoterConfig,
  type VoterPlan,
  VoterPlanReason,
} from "./voter_plan.ts";
export { planShrinkBeforeRemove, type PlanShrinkOptions, type ShrinkPlan } from "./shrink_plan.ts";
export {
  APPLY_TIMEOUT_MS,
  type ReconcilerLog,
  ReconcilerLogLevel,
  type ReconcilerView,
  TickOutcome,
  type TickResult,
  VoterChangeTimeoutError,
  VoterReconciler,
  type VoterReconcilerOptions,
} from "./voter_reconciler.ts";
export {
  RECONCILE_INTERVAL_MS,
  startVoterLoop,
  type VoterLoop,
  type VoterLoopOptions,
} from "./voter_loop.ts";
export { type SuffrageSource, suffrageView } from "./suffrage_view.ts";
