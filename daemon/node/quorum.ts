/**
 * `quorum_lost` vs `no_leader` for writes (errors.md §3, cluster.md §4): `no_leader` is the
 * retryable "election in progress / leader not known yet"; `quorum_lost` is "this side of the
 * cluster cannot commit" — a write on the minority side of a partition, or with too few voters
 * alive.
 *
 * How this member tells them apart before it proposes or forwards (decisions; the spec gives the
 * meaning, not the mechanism):
 * - On the leader: fewer than a majority of the configured voters (itself included) were heard
 *   from within {@link QUORUM_CONTACT_WINDOW_MS} (raft's `lastContactMs`, ticks × tick length) →
 *   `quorum_lost`. The core's check-quorum makes such a leader step down within an election
 *   timeout, so this covers the short window before it does.
 * - On any other member: no leader known for longer than {@link ELECTION_BAR_MS} — the bar
 *   within which a healthy cluster elects a new leader (cluster.md §4: ≤ 10 s) → `quorum_lost`;
 *   shorter → the caller's usual `no_leader`. The leaderless time is tracked from the driver's
 *   leader-change events, subscribed on the first check.
 * - A leader whose proposal timed out (`raft_apply_failed`) while the contact check now fails
 *   reports `quorum_lost` instead (the entry cannot commit on this side).
 *
 * @module
 */
import { JacoError } from "../../proto/errors.ts";
import type { LeaderChange, RaftStatus } from "../../raft/mod.ts";

/** How recently a voter must have been heard from to count towards the leader's quorum. */
export const QUORUM_CONTACT_WINDOW_MS = 2_000;
/** How long without a known leader before a write is `quorum_lost` (cluster.md §4). */
export const ELECTION_BAR_MS = 10_000;

/** The driver surface the judge reads. */
export interface JudgedRaft {
  status(): RaftStatus;
  onLeaderChange?(listener: (change: LeaderChange) => void): () => void;
}

/** Voters heard from within the window, the leader itself included. */
export function reachableVoters(status: RaftStatus, windowMs = QUORUM_CONTACT_WINDOW_MS): string[] {
  return status.conf.voters.filter((id) =>
    id === status.id || (status.lastContactMs?.[id] ?? Infinity) <= windowMs
  );
}

/** Tracks how long this member has known no leader, and judges writes (see module doc). */
export class QuorumJudge {
  #now: () => number;
  #raft: JudgedRaft | undefined;
  #leaderlessSince: number | undefined;

  /** `now` is the clock in ms (default `Date.now`). */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Throws `quorum_lost` when this member's side cannot commit a write now.
   *
   * @throws {JacoError} `quorum_lost` with `details {reason, voters, reachable?}`
   */
  check(raft: JudgedRaft): void {
    this.#watch(raft);
    const status = raft.status();
    if (status.role === "leader") {
      const reachable = reachableVoters(status);
      const quorum = Math.floor(status.conf.voters.length / 2) + 1;
      if (reachable.length < quorum) {
        throw new JacoError(
          "quorum_lost",
          `leader reaches ${reachable.length} of ${status.conf.voters.length} voters; a write needs ${quorum}`,
          {
            reason: "voters_unreachable",
            voters: status.conf.voters.join(","),
            reachable: reachable.join(","),
          },
        );
      }
      return;
    }
    if (status.leader) return;
    const since = this.#leaderlessSince ?? this.#now();
    this.#leaderlessSince = since;
    const leaderlessMs = this.#now() - since;
    if (leaderlessMs >= ELECTION_BAR_MS) {
      throw new JacoError(
        "quorum_lost",
        `no raft leader for ${
          Math.round(leaderlessMs / 1000)
        } s: this side of the cluster cannot elect one`,
        { reason: "no_leader_elected", leaderless_ms: String(leaderlessMs) },
      );
    }
  }

  /**
   * Maps a failed leader proposal: `raft_apply_failed` becomes `quorum_lost` when the contact
   * check fails now; anything else is returned unchanged.
   */
  explain(raft: JudgedRaft, error: unknown): unknown {
    if (!(error instanceof JacoError) || error.code !== "raft_apply_failed") return error;
    try {
      this.check(raft);
    } catch (lost) {
      return lost;
    }
    return error;
  }

  #watch(raft: JudgedRaft): void {
    if (this.#raft === raft) return;
    this.#raft = raft;
    this.#leaderlessSince = raft.status().leader ? undefined : this.#now();
    raft.onLeaderChange?.((change) => {
      if (change.leader) this.#leaderlessSince = undefined;
      else this.#leaderlessSince ??= this.#now();
    });
  }
}
