/**
 * The raft voter-set policy (cluster.md §5): the voter target per member
 * count, pure planners for the next suffrage change and for the demotions a
 * graceful remove needs first, the raft conf changes that carry a change out
 * (a demotion is remove + add learner), and the leader's one-change-per-tick
 * reconciler around them.
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
  type ReconcilerLog,
  ReconcilerLogLevel,
  type ReconcilerView,
  TickOutcome,
  type TickResult,
  VoterReconciler,
  type VoterReconcilerOptions,
} from "./voter_reconciler.ts";
