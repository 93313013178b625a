/**
 * The in-memory raft log: a snapshot boundary, the entries after it, and the
 * stable / committed / applied watermarks the core reports through `Ready`.
 *
 * @module
 */
import type { Entry, Snapshot } from "./types.ts";

/** Raised when the log is asked to break a raft invariant (a bug in the caller). */
export class RaftLogError extends Error {
  /** Error name, for logs and `instanceof`-free checks. */
  override name = "RaftLogError";
}

/** Approximate wire size of an entry, for batching. */
export function entrySizeBytes(entry: Entry): number {
  return entry.data.byteLength + 24;
}

/** The log of one raft member (entries after the latest snapshot). */
export class RaftLog {
  /** Latest snapshot (received or made locally); its index bounds the log. */
  snapshot: Snapshot | undefined;
  /** A received snapshot not yet handed out in a `Ready`. */
  pendingSnapshot: Snapshot | undefined;
  /** Entries after the snapshot: `entries[i].index === snapshotIndex + 1 + i`. */
  #entries: Entry[];
  #snapshotIndex: number;
  #snapshotTerm: number;
  /** Highest index known durable in storage. */
  stabled: number;
  committed: number;
  applied: number;

  /** Rebuilds the log from storage. */
  constructor(snapshot: Snapshot | undefined, entries: Entry[], committed: number) {
    this.snapshot = snapshot;
    this.#snapshotIndex = snapshot?.meta.index ?? 0;
    this.#snapshotTerm = snapshot?.meta.term ?? 0;
    this.#entries = entries.filter((e) => e.index > this.#snapshotIndex);
    this.#entries.forEach((e, i) => {
      if (e.index !== this.#snapshotIndex + 1 + i) {
        throw new RaftLogError(`restored entries are not contiguous at index ${e.index}`);
      }
    });
    this.stabled = this.lastIndex();
    this.committed = Math.min(Math.max(committed, this.#snapshotIndex), this.lastIndex());
    this.applied = this.#snapshotIndex;
  }

  /** Index of the first entry still held (snapshot index + 1). */
  firstIndex(): number {
    return this.#snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.#snapshotIndex + this.#entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** Term of the entry at `index`, or undefined when compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.#snapshotIndex) return this.#snapshotTerm;
    if (index < this.#snapshotIndex || index > this.lastIndex()) return undefined;
    return this.#entries[index - this.#snapshotIndex - 1].term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: is a log ending at (`index`, `term`) at least as up to date as ours? */
  isUpToDate(index: number, term: number): boolean {
    return term > this.lastTerm() || (term === this.lastTerm() && index >= this.lastIndex());
  }

  /** Entries in [lo, hi), capped at `maxBytes` (always at least one entry when any). */
  slice(lo: number, hi: number, maxBytes = Infinity): Entry[] {
    if (lo < this.firstIndex()) {
      throw new RaftLogError(`slice from ${lo} reaches into the snapshot`);
    }
    const out: Entry[] = [];
    let size = 0;
    for (let i = lo; i < Math.min(hi, this.lastIndex() + 1); i++) {
      const entry = this.#entries[i - this.#snapshotIndex - 1];
      size += entrySizeBytes(entry);
      if (out.length > 0 && size > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  /** Appends entries, truncating any conflicting suffix first. */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0].index;
    if (first <= this.committed) {
      throw new RaftLogError(
        `append at ${first} would overwrite committed index ${this.committed}`,
      );
    }
    if (first > this.lastIndex() + 1) throw new RaftLogError(`append at ${first} leaves a gap`);
    this.#entries.length = first - this.#snapshotIndex - 1;
    this.#entries.push(...entries);
    this.stabled = Math.min(this.stabled, first - 1);
  }

  /**
   * Follower side of AppendEntries: returns the index of the last new entry,
   * or undefined when (`prevIndex`, `prevTerm`) does not match.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = entries.find((e) => !this.matchTerm(e.index, e.term));
    if (conflict) this.append(entries.slice(conflict.index - prevIndex - 1));
    return lastNew;
  }

  /**
   * Fast backtracking (etcd-raft style): the largest index ≤ `index` whose
   * term is ≤ `term`, with that term. Entries above it cannot match a log
   * whose entry at `index` has term `term`.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = Math.min(index, this.lastIndex()); i > this.#snapshotIndex; i--) {
      const t = this.term(i)!;
      if (t <= term) return { index: i, term: t };
    }
    return { index: this.#snapshotIndex, term: this.#snapshotTerm };
  }

  /** Moves the commit index forward (never back, never beyond the log). */
  commitTo(index: number): boolean {
    const target = Math.min(index, this.lastIndex());
    if (target <= this.committed) return false;
    this.committed = target;
    return true;
  }

  /** Entries not yet known durable. */
  unstableEntries(): Entry[] {
    const from = Math.max(this.stabled + 1, this.firstIndex());
    return from > this.lastIndex() ? [] : this.slice(from, this.lastIndex() + 1);
  }

  /** Committed entries not yet applied. */
  nextCommitted(): Entry[] {
    const from = Math.max(this.applied + 1, this.firstIndex());
    return from > this.committed ? [] : this.slice(from, this.committed + 1);
  }

  /** Marks entries up to (`index`, `term`) durable unless they were overwritten since. */
  stableTo(index: number, term: number): void {
    if (this.matchTerm(index, term) && index > this.stabled) this.stabled = index;
  }

  appliedTo(index: number): void {
    if (index > this.committed) {
      throw new RaftLogError(`applied ${index} is beyond commit ${this.committed}`);
    }
    this.applied = Math.max(this.applied, index);
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  restore(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.pendingSnapshot = snapshot;
    this.#snapshotIndex = snapshot.meta.index;
    this.#snapshotTerm = snapshot.meta.term;
    this.#entries = [];
    this.committed = snapshot.meta.index;
    this.stabled = snapshot.meta.index;
  }

  /** Drops entries up to the snapshot's index (a snapshot the application made). */
  compact(snapshot: Snapshot): void {
    const index = snapshot.meta.index;
    if (index <= this.#snapshotIndex) return;
    if (index > this.applied) {
      throw new RaftLogError(`compact at ${index} is beyond applied ${this.applied}`);
    }
    this.#entries = this.#entries.slice(index - this.#snapshotIndex);
    this.#snapshotIndex = index;
    this.#snapshotTerm = snapshot.meta.term;
    this.snapshot = snapshot;
  }
}
