/**
 * Leader message handling: append / heartbeat / snapshot acknowledgements,
 * leadership transfer and ReadIndex.
 *
 * @module
 */
import { ProgressState } from "./_progress.ts";
import { quorumMatch } from "./_conf.ts";
import { decodeReadSeq } from "./_read_only.ts";
import { message } from "./_message.ts";
import type { RaftCore } from "./_raft.ts";
import {
  bcastAppend,
  bcastHeartbeat,
  sendAppend,
  sendAppendsWhileOpen,
  sendSnapshotChunk,
} from "./_replicate.ts";
import { type Message, MessageType, Role } from "./types.ts";

/** Steps a message addressed to the leader (terms already reconciled). */
export function stepLeader(r: RaftCore, m: Message): void {
  if (m.type === MessageType.readIndex) {
    handleReadIndex(r, m);
    return;
  }
  const pr = r.prs.get(m.from);
  if (!pr) return;
  pr.recentActive = true;
  pr.lastContactTick = r.leaderTicks;
  switch (m.type) {
    case MessageType.appendResponse:
      handleAppendResponse(r, m);
      return;
    case MessageType.heartbeatResponse: {
      pr.onHeartbeatResponse();
      pr.leaseAckTick = Math.max(pr.leaseAckTick, m.index);
      if (pr.state === ProgressState.snapshot) {
        // Resend only when a whole heartbeat round passed without a chunk being acknowledged.
        if (!pr.snapshotProgressed) sendSnapshotChunk(r, m.from);
        pr.snapshotProgressed = false;
      } else if (pr.match < r.log.lastIndex()) sendAppend(r, m.from);
      const seq = decodeReadSeq(m.context);
      if (seq !== undefined) {
        for (const read of r.readOnly.ack(m.from, seq, (acks) => r.hasQuorum(acks))) {
          respondRead(r, read.from, read.context, read.index);
        }
      }
      return;
    }
    case MessageType.snapshotResponse:
      if (pr.state !== ProgressState.snapshot) return;
      if (m.reject) {
        pr.becomeProbe();
        sendAppend(r, m.from);
        return;
      }
      if (m.index === pr.snapshotIndex) {
        pr.snapshotOffset = m.rejectHint;
        pr.snapshotProgressed = true;
      }
      sendSnapshotChunk(r, m.from);
      return;
  }
}

function handleAppendResponse(r: RaftCore, m: Message): void {
  const pr = r.prs.get(m.from)!;
  if (m.reject) {
    let nextProbe = m.rejectHint;
    if (m.rejectTerm > 0) nextProbe = r.log.findConflictByTerm(m.rejectHint, m.rejectTerm).index;
    if (pr.maybeDecrTo(m.index, nextProbe)) sendAppend(r, m.from);
    return;
  }
  const wasPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.index)) {
    if (wasPaused && !pr.isPaused()) sendAppendsWhileOpen(r, m.from);
    return;
  }
  if (pr.state === ProgressState.probe) pr.becomeReplicate();
  else if (pr.state === ProgressState.snapshot) {
    // A stale ack must not abort a transfer; once the follower holds the snapshot, replicate
    // from it, or start over with a newer snapshot if the log was compacted past it meanwhile.
    if (pr.match + 1 >= r.log.firstIndex()) pr.becomeReplicate();
    else if (pr.match >= pr.snapshotIndex) pr.becomeProbe();
  }
  if (r.maybeCommit()) {
    if (r.role !== Role.leader) return; // the commit removed us
    bcastAppend(r);
  } else {
    sendAppendsWhileOpen(r, m.from);
  }
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) {
    r.send(message({ type: MessageType.timeoutNow, to: m.from }));
  }
}

/** Whether the leader committed an entry of its own term (its no-op at least). */
export function committedInTerm(r: RaftCore): boolean {
  return r.log.term(r.log.committed) === r.term;
}

/** Reads queued before the no-op committed can now be served. */
export function releasePendingReads(r: RaftCore): void {
  const reads = r.pendingReads;
  r.pendingReads = [];
  for (const read of reads) handleReadIndex(r, read);
}

/**
 * ReadIndex (dissertation §6.4): the read index is the commit index once the
 * leader has committed in its term; it is released after a heartbeat round
 * confirms leadership, or at once while the leader holds a lease.
 */
export function handleReadIndex(r: RaftCore, m: Message): void {
  const context = m.context ?? new Uint8Array(0);
  if (!committedInTerm(r)) {
    r.pendingReads.push(m);
    return;
  }
  const index = r.log.committed;
  if ((r.conf.voters.length === 1 && r.isVoter()) || holdsLease(r)) {
    respondRead(r, m.from, context, index);
    return;
  }
  r.readOnly.add({ from: m.from, context, index, self: r.id });
  bcastHeartbeat(r);
}

/**
 * Lease reads (`leaseRead`, needs `checkQuorum`): a voter that answered a
 * heartbeat sent at leader tick `s` ignores vote requests until an election
 * timeout after it received it (leader stickiness; restarted members wait
 * one out too), so no other leader can exist before `s + electionTicks`
 * while a quorum's answers are that fresh. A fifth of the timeout is kept as
 * margin for clock drift and pauses: the lease assumes ticks on members
 * advance at about the same rate. No lease during a transfer, whose votes
 * bypass stickiness.
 */
function holdsLease(r: RaftCore): boolean {
  if (!r.cfg.leaseRead || !r.cfg.checkQuorum || r.leadTransferee !== "") return false;
  const freshest = quorumMatch(
    r.conf.voters,
    (id) => id === r.id ? r.leaderTicks : r.prs.get(id)?.leaseAckTick ?? -Infinity,
  );
  const margin = Math.max(1, Math.ceil(r.cfg.electionTicks / 5));
  return r.leaderTicks - freshest < r.cfg.electionTicks - margin;
}

function respondRead(r: RaftCore, from: string, context: Uint8Array, index: number): void {
  if (from === r.id) {
    r.readStates.push({ index, context });
    return;
  }
  r.send(message({ type: MessageType.readIndexResponse, to: from, index, context }));
}

/** Leader: hands leadership to `to` once it holds the whole log (TimeoutNow). */
export function transferLeadership(r: RaftCore, to: string): void {
  if (r.role !== Role.leader || to === r.id || !r.isVoter(to) || r.leadTransferee === to) return;
  const pr = r.prs.get(to);
  if (!pr) return;
  r.leadTransferee = to;
  // The transfer is abandoned if it has not happened within one election timeout.
  r.electionElapsed = 0;
  if (pr.match === r.log.lastIndex()) {
    r.send(message({ type: MessageType.timeoutNow, to }));
  } else {
    sendAppend(r, to);
  }
}
