/**
 * The `Ready` hand-off: what changed since the driver last acknowledged a
 * batch, and what its acknowledgement makes durable / applied.
 *
 * @module
 */
import type { RaftCore } from "./_raft.ts";
import type { Ready } from "./types.ts";

/** Whether there is anything to persist, send, apply or report. */
export function hasReady(r: RaftCore): boolean {
  const soft = r.softState();
  const hard = r.hardState();
  return r.msgs.length > 0 || r.readStates.length > 0 || r.log.pendingSnapshot !== undefined ||
    soft.role !== r.prevSoftState.role || soft.leader !== r.prevSoftState.leader ||
    hard.term !== r.prevHardState.term || hard.vote !== r.prevHardState.vote ||
    hard.commit !== r.prevHardState.commit || r.log.unstableEntries().length > 0 ||
    r.log.nextCommitted().length > 0;
}

/** Builds the next batch, moving queued messages and read states into it. */
export function takeReady(r: RaftCore): Ready {
  const rd: Ready = {
    entries: r.log.unstableEntries(),
    messages: r.msgs,
    committedEntries: r.log.nextCommitted(),
    readStates: r.readStates,
  };
  r.msgs = [];
  r.readStates = [];
  const soft = r.softState();
  if (soft.role !== r.prevSoftState.role || soft.leader !== r.prevSoftState.leader) {
    rd.softState = soft;
  }
  const hard = r.hardState();
  const prev = r.prevHardState;
  if (hard.term !== prev.term || hard.vote !== prev.vote || hard.commit !== prev.commit) {
    rd.hardState = hard;
  }
  if (r.log.pendingSnapshot) rd.snapshot = r.log.pendingSnapshot;
  return rd;
}

/**
 * Records a processed batch: its entries are durable (unless overwritten
 * since), its snapshot installed and its committed entries applied.
 */
export function advanceReady(r: RaftCore, ready: Ready): void {
  if (ready.softState) r.prevSoftState = ready.softState;
  if (ready.hardState) r.prevHardState = ready.hardState;
  if (ready.snapshot) {
    if (r.log.pendingSnapshot === ready.snapshot) r.log.pendingSnapshot = undefined;
    r.log.applied = Math.max(r.log.applied, ready.snapshot.meta.index);
  }
  const last = ready.entries.at(-1);
  if (last) r.log.stableTo(last.index, last.term);
  const applied = ready.committedEntries.at(-1);
  if (applied) r.log.appliedTo(applied.index);
}
