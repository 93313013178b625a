/**
 * `RaftNode`: the public face of the pure raft core.
 *
 * @module
 */
import { encodeConfChange } from "./_conf.ts";
import { RaftCore, RaftUsageError } from "./_raft.ts";
import { advanceReady, hasReady, takeReady } from "./_ready.ts";
import { bcastAppend, bcastHeartbeat } from "./_replicate.ts";
import { message } from "./_message.ts";
import { stepMessage } from "./_step.ts";
import { stepFollower } from "./_step_follower.ts";
import {
  committedInTerm,
  handleReadIndex,
  releasePendingReads,
  transferLeadership,
} from "./_step_leader.ts";
import {
  type ConfChange,
  type ConfState,
  EntryType,
  type Message,
  MessageType,
  type NodeId,
  type ProposeResult,
  type RaftConfig,
  type RaftStatus,
  type Ready,
  type RestoredState,
  Role,
  type Snapshot,
} from "./types.ts";

/**
 * One raft member as a pure state machine: no clock, no I/O, no randomness of
 * its own (it draws from `config.random`). Drive it with `tick()` / `step()` /
 * `propose()` and drain it with `ready()` → persist → send → apply →
 * `advance(ready)` (see the module doc of mod.ts). Call `advance` for each
 * `Ready` before asking for the next one; the node may keep being ticked and
 * stepped while a `Ready` is being persisted (what happens meanwhile lands in
 * the next one).
 *
 * Decisions where raft leaves room:
 * - membership changes take effect on every member when it learns the change
 *   is committed (not on append); the leader accepts a new change only after
 *   the previous one and its own no-op committed, so one single-server change
 *   is in flight at a time;
 * - a leader that commits its own removal broadcasts that commit and steps
 *   down; a removed member never campaigns (`status().conf` shows it gone);
 * - a follower that does not know a leader drops `readIndex` requests (the
 *   caller retries on its own timeout); a leader queues reads until its no-op
 *   commits;
 * - a fresh member with a non-empty `restored.conf` bootstraps it as
 *   committed conf-change entries at term 1; joiners pass an empty `conf`;
 * - leader stickiness: with check-quorum, a member that heard from a leader
 *   within an election timeout ignores vote requests (except a transfer's);
 * - lease reads (`leaseRead` + `checkQuorum`) are dated by tick-stamped
 *   heartbeats answered by a quorum, keep a fifth of the election timeout as
 *   drift margin and assume members tick at about the same rate; with them,
 *   a restarted member refuses votes for its first election timeout.
 *
 * @example
 * ```ts
 * const node = new RaftNode(config, restored);
 * const result = node.propose(new TextEncoder().encode("set x 1"));
 * if (!result.ok) console.log("forward to", result.leader);
 * ```
 */
export class RaftNode {
  #r: RaftCore;

  /**
   * Builds a member from its configuration and what storage restored.
   *
   * @throws {RangeError} when heartbeatTicks is not in [1, electionTicks).
   */
  constructor(config: RaftConfig, restored: RestoredState) {
    this.#r = new RaftCore(config, restored);
  }

  /** Advances the logical clock by one tick (elections, heartbeats, check-quorum). */
  tick(): void {
    const r = this.#r;
    r.electionElapsed++;
    if (r.electionElapsed >= r.cfg.electionTicks) r.restartGuard = false;
    if (r.role !== Role.leader) {
      if (r.isVoter() && r.electionElapsed >= r.randomizedElectionTimeout) r.campaign("pre");
      return;
    }
    r.heartbeatElapsed++;
    r.leaderTicks++;
    if (r.electionElapsed >= r.cfg.electionTicks) {
      r.electionElapsed = 0;
      if (r.cfg.checkQuorum && !this.#quorumActive()) {
        r.becomeFollower(r.term, "");
        return;
      }
      r.leadTransferee = ""; // a transfer that did not finish within an election timeout is abandoned
    }
    if (r.heartbeatElapsed >= r.cfg.heartbeatTicks) {
      r.heartbeatElapsed = 0;
      bcastHeartbeat(r);
    }
  }

  #quorumActive(): boolean {
    const r = this.#r;
    const active = new Set([r.id]);
    for (const [id, pr] of r.prs) {
      if (pr.recentActive) active.add(id);
      pr.recentActive = false;
    }
    return r.hasQuorum(active);
  }

  /** Starts an election now (pre-vote first when enabled); for bootstrap and tests. */
  campaign(): void {
    this.#r.campaign("pre");
  }

  /** Feeds one inbound message. Messages from stale terms are answered or dropped as raft requires. */
  step(m: Message): void {
    stepMessage(this.#r, m);
    this.#afterChange();
  }

  /** Reads that waited for the leader's first commit in its term can now proceed. */
  #afterChange(): void {
    const r = this.#r;
    if (r.role === Role.leader && r.pendingReads.length > 0 && committedInTerm(r)) {
      releasePendingReads(r);
    }
  }

  #refusal(reason: "not_leader" | "transfer_in_progress" | "conf_change_pending"): ProposeResult {
    return { ok: false, reason, leader: this.#r.lead };
  }

  /** Proposes an application command; on the leader it is appended and replicated. */
  propose(data: Uint8Array): ProposeResult {
    const r = this.#r;
    if (r.role !== Role.leader) return this.#refusal("not_leader");
    if (r.leadTransferee !== "") return this.#refusal("transfer_in_progress");
    const [entry] = r.appendEntries([{ type: EntryType.normal, data }]);
    bcastAppend(r);
    this.#afterChange();
    return { ok: true, index: entry.index, term: entry.term };
  }

  /**
   * Proposes a single-server membership change. Refused while an earlier
   * change (or the leader's own no-op) is not yet committed.
   *
   * @throws {RaftUsageError} when the change would remove the last voter.
   */
  proposeConfChange(change: ConfChange): ProposeResult {
    const r = this.#r;
    if (r.role !== Role.leader) return this.#refusal("not_leader");
    if (r.leadTransferee !== "") return this.#refusal("transfer_in_progress");
    if (r.pendingConfIndex > r.log.committed) return this.#refusal("conf_change_pending");
    if (
      change.type !== "add_voter" && r.conf.voters.length === 1 && r.conf.voters[0] === change.node
    ) {
      throw new RaftUsageError(`conf change would leave no voter: ${change.type} ${change.node}`);
    }
    const [entry] = r.appendEntries([{
      type: EntryType.confChange,
      data: encodeConfChange(change),
    }]);
    r.pendingConfIndex = entry.index;
    if (r.role === Role.leader) bcastAppend(r);
    return { ok: true, index: entry.index, term: entry.term };
  }

  /** Hands leadership to voter `to` (TimeoutNow once it holds the whole log); no-op elsewhere. */
  transferLeadership(to: NodeId): void {
    transferLeadership(this.#r, to);
  }

  /**
   * Requests a linearizable read; the answer arrives later in
   * `ready().readStates` with the same context (reads are safe once applied
   * up to its index). Followers forward to the leader.
   */
  readIndex(context: Uint8Array): void {
    const r = this.#r;
    const m = message({ type: MessageType.readIndex, to: r.id, from: r.id, context });
    if (r.role === Role.leader) handleReadIndex(r, m);
    else if (r.role === Role.follower) stepFollower(r, m);
  }

  /**
   * Records an application snapshot at applied `index` and drops the log up
   * to it. `conf` defaults to the membership in effect at `index`. Returns the
   * snapshot (the caller persists it; the core sends it to lagging followers).
   *
   * @throws {RaftLogError} when `index` is beyond the applied index.
   */
  compact(index: number, data: Uint8Array, conf?: ConfState): Snapshot {
    const r = this.#r;
    if (r.log.snapshot && index <= r.log.snapshot.meta.index) return r.log.snapshot;
    const term = r.log.term(index);
    if (term === undefined || index > r.log.applied) {
      throw new RaftUsageError(`compact index ${index} is not an applied log index`);
    }
    const snapshot: Snapshot = { meta: { index, term, conf: conf ?? r.confAt(index) }, data };
    r.log.compact(snapshot);
    const keepFrom = r.confHistory.findLastIndex((c) => c.index <= index);
    r.confHistory = r.confHistory.slice(Math.max(keepFrom, 0));
    return snapshot;
  }

  /** Whether `ready()` has anything to persist, send, apply or report. */
  hasReady(): boolean {
    return hasReady(this.#r);
  }

  /**
   * The next batch: persist, send, apply (in that order), then `advance(ready)`.
   * Messages and read states move into the batch; the core may keep stepping
   * while the driver persists it.
   */
  ready(): Ready {
    return takeReady(this.#r);
  }

  /** Acknowledges that `ready` was persisted, sent and applied. */
  advance(ready: Ready): void {
    advanceReady(this.#r, ready);
  }

  /** A read-only view: role, term, leader, commit/applied/last index and membership. */
  status(): RaftStatus {
    const r = this.#r;
    const status: RaftStatus = {
      id: r.id,
      role: r.role,
      term: r.term,
      leader: r.lead,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      conf: r.confAt(Infinity),
    };
    if (r.role === Role.leader) {
      const contact: Record<NodeId, number> = {};
      for (const [id, pr] of r.prs) contact[id] = r.leaderTicks - pr.lastContactTick;
      status.peerContactTicks = contact;
    }
    return status;
  }
}
