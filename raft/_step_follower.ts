/**
 * Follower message handling: accepting appends and heartbeats, reassembling
 * snapshot chunks, leadership-transfer wake-ups and forwarded reads.
 *
 * @module
 */
import { message } from "./_message.ts";
import type { RaftCore } from "./_raft.ts";
import { type Message, MessageType, type Snapshot } from "./types.ts";

/** Steps a message addressed to a follower (terms already reconciled). */
export function stepFollower(r: RaftCore, m: Message): void {
  switch (m.type) {
    case MessageType.append:
      heardFromLeader(r, m);
      handleAppend(r, m);
      return;
    case MessageType.heartbeat:
      heardFromLeader(r, m);
      r.commitTo(m.commit);
      // Echo the leader's tick stamp: it dates the leader's lease (see handleReadIndex).
      r.send(
        message({
          type: MessageType.heartbeatResponse,
          to: m.from,
          index: m.index,
          context: m.context,
        }),
      );
      return;
    case MessageType.snapshot:
      heardFromLeader(r, m);
      handleSnapshotChunk(r, m);
      return;
    case MessageType.timeoutNow:
      // The leader hands over: campaign at once, bypassing pre-vote and stickiness.
      r.campaign("transfer");
      return;
    case MessageType.readIndex:
      if (r.lead === "") return; // no leader to confirm with: the client retries on its timeout
      r.msgs.push({ ...m, to: r.lead });
      return;
    case MessageType.readIndexResponse:
      r.readStates.push({ index: m.index, context: m.context ?? new Uint8Array(0) });
      return;
  }
}

function heardFromLeader(r: RaftCore, m: Message): void {
  r.electionElapsed = 0;
  r.lead = m.from;
}

function handleAppend(r: RaftCore, m: Message): void {
  const respond = (fields: Partial<Message>) =>
    r.send(message({ type: MessageType.appendResponse, to: m.from, ...fields }));
  if (m.index < r.log.committed) {
    respond({ index: r.log.committed });
    return;
  }
  const lastNew = r.log.maybeAppend(m.index, m.logTerm, m.entries);
  if (lastNew !== undefined) {
    r.commitTo(Math.min(m.commit, lastNew));
    respond({ index: lastNew });
    return;
  }
  // Fast backtracking: point the leader at the last entry that could still match.
  const hint = r.log.findConflictByTerm(Math.min(m.index, r.log.lastIndex()), m.logTerm);
  respond({ index: m.index, reject: true, rejectHint: hint.index, rejectTerm: hint.term });
}

/**
 * Chunks must arrive in order; anything else is answered with the offset we
 * want next, so the leader resends from there (lost, duplicated and
 * reordered chunks all converge).
 */
function handleSnapshotChunk(r: RaftCore, m: Message): void {
  const chunk = m.snapshot;
  if (!chunk) return;
  const { meta } = chunk;
  if (meta.index <= r.log.committed) {
    r.snapshotBuffer = undefined;
    r.send(message({ type: MessageType.appendResponse, to: m.from, index: r.log.committed }));
    return;
  }
  let buffer = r.snapshotBuffer;
  if (!buffer || buffer.index !== meta.index || buffer.term !== meta.term) {
    buffer = { index: meta.index, term: meta.term, parts: [], size: 0 };
    r.snapshotBuffer = buffer;
  }
  if (chunk.offset === buffer.size) {
    buffer.parts.push(chunk.data.slice());
    buffer.size += chunk.data.byteLength;
    if (chunk.done) {
      r.snapshotBuffer = undefined;
      const data = new Uint8Array(buffer.size);
      let at = 0;
      for (const part of buffer.parts) {
        data.set(part, at);
        at += part.byteLength;
      }
      restore(r, { meta, data });
      r.send(message({ type: MessageType.appendResponse, to: m.from, index: r.log.lastIndex() }));
      return;
    }
  }
  r.send(message({
    type: MessageType.snapshotResponse,
    to: m.from,
    index: meta.index,
    logTerm: meta.term,
    rejectHint: buffer.size,
  }));
}

/** Installs a leader's snapshot, unless our log already holds its last entry. */
function restore(r: RaftCore, snapshot: Snapshot): void {
  const { index, term, conf } = snapshot.meta;
  if (r.log.matchTerm(index, term)) {
    r.commitTo(index);
    return;
  }
  r.log.restore(snapshot);
  r.conf = { voters: [...conf.voters], learners: [...conf.learners] };
  r.confHistory = [{ index, conf: r.conf }];
}
