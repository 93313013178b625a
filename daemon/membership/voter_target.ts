/**
 * How many voters a raft membership of a given size should have
 * (cluster.md §5).
 *
 * @module
 */

/** The largest voter set JACO runs: seven voters survive three failures; more only slows commits. */
export const MAX_VOTERS = 7;

/**
 * The voter target for `members` servers: 0→0, odd→members, even→members−1,
 * capped at {@link MAX_VOTERS}. An even voter count tolerates no more failures
 * than the odd count below it while needing a larger quorum, so it is never
 * the target.
 *
 * @throws {RangeError} when `members` is negative or not an integer.
 * @example
 * ```ts
 * voterTarget(4); // 3
 * voterTarget(9); // 7
 * ```
 */
export function voterTarget(members: number): number {
  if (!Number.isInteger(members) || members < 0) {
    throw new RangeError(`members must be a non-negative integer, got ${members}`);
  }
  const odd = members % 2 === 0 ? Math.max(members - 1, 0) : members;
  return Math.min(odd, MAX_VOTERS);
}

/** Voter failures a voter set of `voters` survives: ⌊(voters − 1) / 2⌋. */
export function failuresTolerated(voters: number): number {
  return Math.max(Math.floor((voters - 1) / 2), 0);
}
