/**
 * The voter-set policy as pure planners (cluster.md §5): given a raft
 * configuration they return the next suffrage change and why, and write
 * nothing. Picks are by sorted hostname, so any leader that reads the same
 * configuration plans the same change: a new leader converges to the same
 * voter set without oscillating.
 *
 * @module
 */
import { voterTarget } from "./voter_target.ts";

/** A raft membership as the planners read it (hostnames are raft server ids). */
export interface VoterConfig {
  /** Servers with voter suffrage. */
  readonly voters: readonly string[];
  /** Servers that only receive the log (raft learners, the spec's nonvoters). */
  readonly learners: readonly string[];
}

/** Kinds of suffrage change. */
export const VoterChangeKind = {
  /** Learner → voter (raft add-voter with its address). */
  promote: "promote",
  /** Voter → learner. */
  demote: "demote",
} as const;
/** One {@link VoterChangeKind} value. */
export type VoterChangeKind = typeof VoterChangeKind[keyof typeof VoterChangeKind];

/** One suffrage change for the caller to apply through raft. */
export type VoterChange =
  | { kind: typeof VoterChangeKind.promote; server: string; address: string }
  | { kind: typeof VoterChangeKind.demote; server: string };

/** Why {@link planVoterChange} chose what it chose (for logs and tests). */
export const VoterPlanReason = {
  /** Voters equal the target: nothing to do. */
  atTarget: "at_target",
  /** Voters are below target and an eligible learner is promoted. */
  promote: "promote",
  /** Voters are below target but no learner is eligible yet (too new or no address). */
  noEligibleLearner: "no_eligible_learner",
  /** Voters exceed target and a non-leader voter is demoted. */
  demote: "demote",
} as const;
/** One {@link VoterPlanReason} value. */
export type VoterPlanReason = typeof VoterPlanReason[keyof typeof VoterPlanReason];

/** Input of {@link planVoterChange}. */
export interface PlanVoterChangeOptions {
  /** The live raft configuration. */
  config: VoterConfig;
  /** The current leader's id; never demoted. */
  leader: string;
  /** When this leader first saw each server in the configuration (ms). */
  firstSeenMs: ReadonlyMap<string, number>;
  /** Now, on the same clock as `firstSeenMs`. */
  nowMs: number;
  /** How long a learner must have been seen before it may vote (default 3000). */
  promoteAfterMs?: number;
  /** Raft address of each server; a learner without one cannot be promoted. */
  addresses: ReadonlyMap<string, string>;
}

/** What {@link planVoterChange} decided. */
export interface VoterPlan {
  /** The one change to apply, if any. */
  change?: VoterChange;
  /** Which branch of the policy decided. */
  reason: VoterPlanReason;
  /** Human-readable why, for the log line. */
  detail: string;
  /** Servers in the configuration (voters and learners). */
  members: number;
  /** Servers with voter suffrage now. */
  voters: number;
  /** `voterTarget(members)`. */
  target: number;
  /** Learners skipped for lack of an address (log each at WARN). */
  warnings: string[];
}

/** Default wait before a newly seen learner may be promoted (cluster.md §5 PromoteAfter). */
export const PROMOTE_AFTER_MS = 3000;

/** Sorted union of voters and learners (a server listed twice counts once). */
export function membersOf(config: VoterConfig): string[] {
  return [...new Set([...config.voters, ...config.learners])].sort();
}

/**
 * Plans at most one suffrage change: below target, promote the
 * lexicographically smallest learner seen for at least `promoteAfterMs` that
 * has an address (learners without one are skipped with a warning); above
 * target, demote the lexicographically largest voter that is not the leader.
 * Pure: same input, same plan.
 *
 * @example
 * ```ts
 * const plan = planVoterChange({
 *   config: { voters: ["a"], learners: ["b", "c"] },
 *   leader: "a",
 *   firstSeenMs: new Map([["b", 0], ["c", 0]]),
 *   nowMs: 5000,
 *   addresses: new Map([["b", "10.0.0.2:7001"], ["c", "10.0.0.3:7001"]]),
 * });
 * // plan.change = { kind: "promote", server: "b", address: "10.0.0.2:7001" }
 * ```
 */
export function planVoterChange(options: PlanVoterChangeOptions): VoterPlan {
  const { config, leader, firstSeenMs, nowMs, addresses } = options;
  const promoteAfterMs = options.promoteAfterMs ?? PROMOTE_AFTER_MS;
  const members = membersOf(config).length;
  const voters = [...new Set(config.voters)].sort();
  const target = voterTarget(members);
  const base = { members, voters: voters.length, target, warnings: [] as string[] };
  const counts = `voters ${voters.length}, target ${target}, members ${members}`;

  if (voters.length < target) {
    const learners = [...new Set(config.learners)].filter((id) => !voters.includes(id)).sort();
    for (const server of learners) {
      const seen = firstSeenMs.get(server);
      if (seen === undefined || nowMs - seen < promoteAfterMs) continue;
      const address = addresses.get(server);
      if (!address) {
        base.warnings.push(`nonvoter ${server} has no known address; not promoting it`);
        continue;
      }
      return {
        ...base,
        change: { kind: VoterChangeKind.promote, server, address },
        reason: VoterPlanReason.promote,
        detail: `${counts}: promoting nonvoter ${server}`,
      };
    }
    return {
      ...base,
      reason: VoterPlanReason.noEligibleLearner,
      detail: `${counts}: no nonvoter seen for ${promoteAfterMs} ms with an address`,
    };
  }

  if (voters.length > target) {
    // voters > target ≥ 1 (any voter makes members ≥ 1): two or more vote, so one is not the leader.
    const server = voters.filter((id) => id !== leader).at(-1)!;
    return {
      ...base,
      change: { kind: VoterChangeKind.demote, server },
      reason: VoterPlanReason.demote,
      detail: `${counts}: demoting voter ${server}`,
    };
  }

  return { ...base, reason: VoterPlanReason.atTarget, detail: `${counts}: at target` };
}
