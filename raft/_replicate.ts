/**
 * Leader-side replication: appends (pipelined and batched per follower),
 * heartbeats and chunked InstallSnapshot.
 *
 * @module
 */
import { ProgressState } from "./_progress.ts";
import { encodeReadSeq } from "./_read_only.ts";
import { message } from "./_message.ts";
import type { RaftCore } from "./_raft.ts";
import { MessageType, type NodeId } from "./types.ts";

/**
 * Sends `to` the entries it is missing (or a snapshot chunk when they are
 * compacted away). Returns whether a message went out.
 */
export function sendAppend(r: RaftCore, to: NodeId, sendIfEmpty = true): boolean {
  const pr = r.prs.get(to);
  if (!pr || pr.isPaused()) return false;
  pr.next = Math.min(pr.next, r.log.lastIndex() + 1);
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  if (prevTerm === undefined) {
    if (!r.log.snapshot) return false;
    pr.becomeSnapshot(r.log.snapshot);
    sendSnapshotChunk(r, to);
    return true;
  }
  const entries = r.log.slice(pr.next, r.log.lastIndex() + 1, r.cfg.maxMessageBytes);
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send(message({
    type: MessageType.append,
    to,
    index: prevIndex,
    logTerm: prevTerm,
    entries,
    commit: r.log.committed,
  }));
  pr.sent(prevIndex + entries.length, entries.length);
  return true;
}

/** Sends as many appends as the follower's inflight window allows. */
export function sendAppendsWhileOpen(r: RaftCore, to: NodeId): void {
  while (sendAppend(r, to, false)) {
    if (r.prs.get(to)?.state !== ProgressState.replicate) break;
  }
}

/** Sends the next unacknowledged chunk of the snapshot being transferred to `to`. */
export function sendSnapshotChunk(r: RaftCore, to: NodeId): void {
  const pr = r.prs.get(to);
  if (!pr) return;
  if (pr.state !== ProgressState.snapshot || !pr.snapshot) {
    if (!r.log.snapshot) return;
    pr.becomeSnapshot(r.log.snapshot);
  }
  const snapshot = pr.snapshot!;
  const offset = pr.snapshotOffset;
  const data = snapshot.data.subarray(offset, offset + r.cfg.snapshotChunkBytes);
  r.send(message({
    type: MessageType.snapshot,
    to,
    index: snapshot.meta.index,
    logTerm: snapshot.meta.term,
    snapshot: {
      meta: snapshot.meta,
      offset,
      data,
      done: offset + data.byteLength >= snapshot.data.byteLength,
    },
  }));
}

/** Sends every follower what it is missing (empty appends carry the commit index). */
export function bcastAppend(r: RaftCore): void {
  for (const id of r.prs.keys()) sendAppend(r, id);
}

/** Heartbeats every follower; carries the newest pending read so acks confirm it. */
export function bcastHeartbeat(r: RaftCore): void {
  const seq = r.readOnly.lastSeq();
  for (const [to, pr] of r.prs) {
    r.send(message({
      type: MessageType.heartbeat,
      to,
      // Never tell a follower to commit past what it is known to hold.
      commit: Math.min(pr.match, r.log.committed),
      index: r.leaderTicks,
      context: seq === undefined ? undefined : encodeReadSeq(seq),
    }));
  }
}
