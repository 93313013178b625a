/**
 * Bookkeeping of callers waiting on the driver: proposals waiting for their
 * entry to be applied, reads waiting for a read index and then for the apply
 * cursor to reach it. Deadlines are checked on each tick (one scan of the
 * oldest waiters) rather than with one timer per call.
 *
 * @module
 */
import { JacoError } from "../proto/errors.ts";

/** Outcome of an applied proposal. */
export interface Applied {
  /** Log index of the entry. */
  index: number;
  /** Term of the entry. */
  term: number;
  /** What the state machine's `apply` returned for the entry. */
  result: unknown;
}

interface ProposalWaiter {
  term: number;
  deadline: number;
  resolve(value: Applied): void;
  reject(err: Error): void;
}

interface ReadWaiter {
  deadline: number;
  /** Read index once known. */
  index?: number;
  resolve(index: number): void;
  reject(err: Error): void;
}

/** Waiters of one driver. */
export class Waiters {
  #proposals = new Map<number, ProposalWaiter>();
  #reads = new Map<string, ReadWaiter>();

  /** Waits for the entry (index, term) to be applied. */
  proposal(index: number, term: number, deadline: number): Promise<Applied> {
    const previous = this.#proposals.get(index);
    // A fresh entry at the same index means the older one can no longer commit.
    previous?.reject(superseded(index));
    return new Promise((resolve, reject) => {
      this.#proposals.set(index, { term, deadline, resolve, reject });
    });
  }

  /** Settles the waiter of an applied entry (resolved if it is the same entry). */
  applied(index: number, term: number, result: unknown): void {
    const w = this.#proposals.get(index);
    if (!w) return;
    this.#proposals.delete(index);
    if (w.term === term) w.resolve({ index, term, result });
    else w.reject(superseded(index));
  }

  /** A snapshot replaced the log up to `index`: outcomes at or below it are unknown. */
  snapshotInstalled(index: number): void {
    for (const [i, w] of this.#proposals) {
      if (i > index) continue;
      this.#proposals.delete(i);
      w.reject(
        new JacoError("raft_apply_failed", `outcome of proposal at index ${i} is unknown`, {
          index: String(i),
        }),
      );
    }
  }

  /** Waits for the read with `key` to get an index and for it to be applied. */
  read(key: string, deadline: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#reads.set(key, { deadline, resolve, reject });
    });
  }

  /** Records the read index granted for `key`. */
  readGranted(key: string, index: number): void {
    const w = this.#reads.get(key);
    if (w) w.index = index;
  }

  /** Resolves reads whose index is now applied. */
  appliedUpTo(applied: number): void {
    for (const [key, w] of this.#reads) {
      if (w.index !== undefined && w.index <= applied) {
        this.#reads.delete(key);
        w.resolve(w.index);
      }
    }
  }

  /** Rejects every waiter past its deadline. */
  expire(now: number): void {
    for (const [index, w] of this.#proposals) {
      if (w.deadline > now) break;
      this.#proposals.delete(index);
      w.reject(
        new JacoError("raft_apply_failed", `proposal at index ${index} was not applied in time`, {
          index: String(index),
        }),
      );
    }
    for (const [key, w] of this.#reads) {
      if (w.deadline > now) break;
      this.#reads.delete(key);
      w.reject(new JacoError("no_leader", "read index was not confirmed by a leader in time"));
    }
  }

  /** Rejects everything (driver closing). */
  rejectAll(err: Error): void {
    for (const w of this.#proposals.values()) w.reject(err);
    for (const w of this.#reads.values()) w.reject(err);
    this.#proposals.clear();
    this.#reads.clear();
  }
}

function superseded(index: number): JacoError {
  return new JacoError(
    "raft_apply_failed",
    `proposal at index ${index} was superseded by another leader's entry`,
    { index: String(index) },
  );
}
