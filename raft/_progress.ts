/**
 * The leader's view of one follower's log (Raft §5.3 nextIndex / matchIndex),
 * with etcd-raft's three replication states.
 *
 * @module
 */
import type { Snapshot } from "./types.ts";

/** How the leader currently replicates to a follower. */
export const ProgressState = {
  /** Next index unknown: one append at a time, paused until it is answered or a heartbeat returns. */
  probe: "probe",
  /** Follower is in sync: appends are pipelined optimistically up to the inflight limit. */
  replicate: "replicate",
  /** Follower needs a snapshot; appends stop until it is installed. */
  snapshot: "snapshot",
} as const;
/** One {@link ProgressState} value. */
export type ProgressState = typeof ProgressState[keyof typeof ProgressState];

/** Replication progress of one peer, owned by the leader. */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = ProgressState.probe;
  /** In probe state: an append was sent and not yet answered. */
  probeSent = false;
  /** Last index of each append still in flight (replicate state), oldest first. */
  inflight: number[] = [];
  /** Heard from since the last check-quorum round. */
  recentActive = true;
  /** Leader tick stamped on the newest heartbeat this follower answered (lease reads). */
  leaseAckTick = -Infinity;
  /**
   * Leader tick at which this peer last sent the leader anything (liveness for the scheduler);
   * a peer is presumed in contact when tracking starts.
   */
  lastContactTick = 0;
  /** Snapshot state: the snapshot being sent (kept even if the leader compacts again) and its index. */
  snapshot: Snapshot | undefined;
  snapshotIndex = 0;
  /** Snapshot state: bytes the follower acknowledged so far. */
  snapshotOffset = 0;
  /** Snapshot state: a chunk was acknowledged since the last heartbeat answer (no resend needed). */
  snapshotProgressed = false;

  /** Starts tracking a peer whose log is believed to end before `next`. */
  constructor(next: number, readonly maxInflight: number) {
    this.next = next;
  }

  becomeProbe(): void {
    this.snapshot = undefined;
    // After a snapshot the follower holds at least the snapshot: probe right after it.
    this.next = this.state === ProgressState.snapshot
      ? Math.max(this.match + 1, this.snapshotIndex + 1)
      : this.match + 1;
    this.state = ProgressState.probe;
    this.probeSent = false;
    this.inflight = [];
  }

  becomeReplicate(): void {
    this.snapshot = undefined;
    this.state = ProgressState.replicate;
    this.next = this.match + 1;
    this.inflight = [];
  }

  /** Starts sending `snapshot`; the transfer sticks to it until it completes or fails. */
  becomeSnapshot(snapshot: Snapshot): void {
    this.state = ProgressState.snapshot;
    this.snapshot = snapshot;
    this.snapshotIndex = snapshot.meta.index;
    this.snapshotOffset = 0;
    this.inflight = [];
  }

  /** Records an acknowledged index; returns whether it told us anything new. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    this.inflight = this.inflight.filter((last) => last > index);
    return updated;
  }

  /**
   * Handles a rejected append for `rejected` with the follower's hint; returns
   * false when the rejection is stale (answers an append we no longer care about).
   */
  maybeDecrTo(rejected: number, nextProbe: number): boolean {
    if (this.state === ProgressState.replicate) {
      if (rejected <= this.match) return false;
      this.becomeProbe();
      this.next = Math.max(this.match + 1, Math.min(this.next, nextProbe + 1));
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(this.match + 1, Math.min(rejected, nextProbe + 1));
    this.probeSent = false;
    return true;
  }

  /** Records that an append ending at `lastIndex` went out. */
  sent(lastIndex: number, entryCount: number): void {
    if (this.state === ProgressState.replicate) {
      if (entryCount > 0) {
        this.next = lastIndex + 1;
        this.inflight.push(lastIndex);
      }
    } else if (this.state === ProgressState.probe) {
      this.probeSent = true;
    }
  }

  /** No more appends may go out right now. */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.probe:
        return this.probeSent;
      case ProgressState.replicate:
        return this.inflight.length >= this.maxInflight;
      default:
        return true;
    }
  }

  /** A heartbeat answer: lets a probe retry and frees one inflight slot (lost appends). */
  onHeartbeatResponse(): void {
    this.probeSent = false;
    if (this.inflight.length >= this.maxInflight) this.inflight.shift();
  }
}
