/**
 * How far a follow stream has read the audit log, so history, live events and re-reads after a
 * RESYNC join without duplicates or gaps.
 *
 * The position is a raft index plus the events already taken at exactly that index: one command
 * (a batch, an apply with privileged services) appends several events under one index, and an
 * overflow RESYNC can land between two of them, so "raft_index > last sent" alone would drop the
 * rest of that command's events on the re-read. Every event the stream looked at counts, matched
 * or not, so a filter never changes what is a duplicate.
 *
 * Events at one index always come in log order, whichever way they arrive (a read of the log, or
 * the live queue), so within one pass the n-th occurrence of an event is the n-th event with
 * its content: identical twins at one index are told apart by counting, not dropped.
 *
 * @module
 */
import type { AuditEvent } from "../../proto/mod.ts";

/** Position of a follow stream in the audit log. */
export class DeliveryCursor {
  #through = 0;
  // How many events of each content were taken at #through, and seen in the current pass.
  #taken = new Map<string, number>();
  #seen = new Map<string, number>();

  /** Highest raft index looked at. */
  get through(): number {
    return this.#through;
  }

  /**
   * Starts a new pass over the events at {@link through}: call before each read of the log and
   * before the live queue is drained after one.
   */
  beginPass(): void {
    this.#seen = new Map();
  }

  /**
   * True (and records the event) when the stream has not taken it yet; false for an event
   * already taken — from history, an earlier re-read, or a queued live copy of either.
   */
  admit(event: AuditEvent): boolean {
    if (event.raftIndex < this.#through) return false;
    if (event.raftIndex > this.#through) this.#moveTo(event.raftIndex);
    const key = contentKey(event);
    const occurrence = (this.#seen.get(key) ?? 0) + 1;
    this.#seen.set(key, occurrence);
    if (occurrence <= (this.#taken.get(key) ?? 0)) return false;
    this.#taken.set(key, occurrence);
    return true;
  }

  /** Marks everything up to `raftIndex` as looked at (the log was just read whole at it). */
  advanceTo(raftIndex: number): void {
    if (raftIndex > this.#through) this.#moveTo(raftIndex);
  }

  #moveTo(raftIndex: number): void {
    this.#through = raftIndex;
    this.#taken = new Map();
    this.#seen = new Map();
  }
}

function contentKey(event: AuditEvent): string {
  const payload = Object.entries(event.payload).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([event.type, event.identity, event.ts?.getTime() ?? null, payload]);
}
