/**
 * Graceful-remove safety (cluster.md §5, §6.1 step 5): the demotions to
 * apply before a server leaves, so the configuration never holds more voters
 * than the shrunken membership should have.
 *
 * The caller (the `NodeRemove` step machine) applies the demotions through
 * `raftChangesOf` one at a time, each committed before the next, and maps a
 * failed demotion to `raft_demote_failed`. If reading the configuration fails
 * the pre-removal demotion is skipped (best effort, cluster.md §5) and the
 * reconciler trims any surplus after the removal.
 *
 * @module
 */
import { membersOf, type VoterChange, VoterChangeKind, type VoterConfig } from "./voter_plan.ts";
import { voterTarget } from "./voter_target.ts";

/** Input of {@link planShrinkBeforeRemove}. */
export interface PlanShrinkOptions {
  /** The live raft configuration, leaver included. */
  config: VoterConfig;
  /** The current leader's id; never demoted. */
  leader: string;
  /** The server about to be removed; never demoted (it is removed next). */
  leaving: string;
}

/** What {@link planShrinkBeforeRemove} decided. */
export interface ShrinkPlan {
  /** Demotions, largest hostname first; apply one at a time, each committed before the next. */
  demotions: VoterChange[];
  /** `voterTarget` of the servers that remain after the removal. */
  target: number;
  /** Voters other than the leaver, before the demotions. */
  remainingVoters: number;
}

/**
 * Plans the demotions needed before removing `leaving`: over the servers that
 * remain, while their voters exceed `voterTarget(remaining)`, demote the
 * largest hostname that is neither the leader nor the leaver. A leaver that
 * is not in the configuration simply leaves the membership unchanged in size.
 * Pure.
 *
 * @example
 * ```ts
 * planShrinkBeforeRemove({
 *   config: { voters: ["a", "b", "c"], learners: [] },
 *   leader: "a",
 *   leaving: "c",
 * }).demotions; // [{ kind: "demote", server: "b" }] — two members left, target 1
 * ```
 */
export function planShrinkBeforeRemove(options: PlanShrinkOptions): ShrinkPlan {
  const { config, leader, leaving } = options;
  const remaining = membersOf(config).filter((id) => id !== leaving);
  const target = voterTarget(remaining.length);
  const remainingVoters = [...new Set(config.voters)].filter((id) => id !== leaving).sort();
  // Largest first; the leader is never a candidate, so at least one voter always remains.
  const candidates = remainingVoters.filter((id) => id !== leader).reverse();
  const excess = Math.max(remainingVoters.length - target, 0);
  const demotions: VoterChange[] = candidates
    .slice(0, excess)
    .map((server) => ({ kind: VoterChangeKind.demote, server }));
  return { demotions, target, remainingVoters: remainingVoters.length };
}
