/**
 * Durable raft storage: the contract the driver persists through, and an
 * in-memory implementation (for tests and simulations) that follows exactly
 * the same rules as the SQLite one.
 *
 * Retention rule shared by both: a snapshot made by the local application
 * compacts the log only up to the PREVIOUS retained snapshot, so the log
 * always covers the gap between the two newest snapshots; if the newest
 * snapshot turns out unreadable after a crash, the previous one plus the log
 * still restore the same state.
 *
 * @module
 */
import type { ConfState, Entry, HardState, RestoredState, Snapshot } from "./types.ts";

/** How many snapshots storage keeps (architecture §6). */
export const SNAPSHOTS_RETAINED = 3;

/** The durable part of one `Ready`, persisted as one atomic group commit. */
export interface PersistBatch {
  /** New hard state, when it changed. */
  hardState?: HardState;
  /** Entries to append; the first one truncates any stored suffix from its index on. */
  entries: readonly Entry[];
  /** A snapshot received from the leader (installed before `entries`). */
  snapshot?: Snapshot;
}

/** Durable log + stable store of one raft member. */
export interface Storage {
  /** Loads what a restarting node hands the core; an empty store yields the bootstrap conf. */
  load(): Promise<RestoredState>;
  /** Sets the bootstrap membership; a no-op once the store holds any raft state. */
  bootstrap(conf: ConfState): Promise<void>;
  /** Persists one Ready durably and atomically (see {@link PersistBatch}). */
  persist(batch: PersistBatch): Promise<void>;
  /** Keeps a snapshot made by the local application and compacts the log (see module doc). */
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  /** Releases files and locks. */
  close(): Promise<void>;
}

/** Zero hard state of a fresh member. */
export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: "", commit: 0 });

/**
 * Which stored entries survive installing `snapshot`: those after it when
 * the log already holds the snapshot's last entry (same index and term);
 * otherwise the log conflicts with the snapshot and nothing survives.
 */
export function survivorsAfterSnapshot(
  entries: readonly Entry[],
  snapshot: Snapshot,
): Entry[] {
  const at = entries.find((e) => e.index === snapshot.meta.index);
  if (!at || at.term !== snapshot.meta.term) return [];
  return entries.filter((e) => e.index > snapshot.meta.index);
}

/**
 * Checks the invariant a loaded log must satisfy: contiguous indexes starting
 * right after the snapshot.
 * @throws {StorageCorruptError} when the log has a gap
 */
export function checkContiguous(entries: readonly Entry[], afterIndex: number): void {
  let expected = afterIndex + 1;
  for (const e of entries) {
    if (e.index !== expected) {
      throw new StorageCorruptError(
        `raft log gap: expected index ${expected}, found ${e.index} (snapshot at ${afterIndex})`,
      );
    }
    expected++;
  }
}

/** Stored raft state is inconsistent and cannot be restored safely. */
export class StorageCorruptError extends Error {
  /** Creates the error; `cause` carries the underlying failure, if any. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StorageCorruptError";
  }
}

/** In-memory {@link Storage}: nothing survives the process, everything else behaves alike. */
export class MemoryStorage implements Storage {
  #hardState: HardState = EMPTY_HARD_STATE;
  #conf: ConfState = { voters: [], learners: [] };
  #entries: Entry[] = [];
  #snapshots: Snapshot[] = [];

  load(): Promise<RestoredState> {
    const snapshot = this.#snapshots.at(-1);
    const after = snapshot?.meta.index ?? 0;
    const entries = this.#entries.filter((e) => e.index > after);
    checkContiguous(entries, after);
    return Promise.resolve({
      hardState: { ...this.#hardState },
      snapshot,
      entries,
      conf: structuredClone(this.#conf),
    });
  }

  bootstrap(conf: ConfState): Promise<void> {
    const empty = this.#hardState.term === 0 && this.#entries.length === 0 &&
      this.#snapshots.length === 0;
    if (empty) this.#conf = structuredClone(conf);
    return Promise.resolve();
  }

  persist(batch: PersistBatch): Promise<void> {
    if (batch.snapshot) {
      this.#entries = survivorsAfterSnapshot(this.#entries, batch.snapshot);
      this.#pushSnapshot(batch.snapshot);
    }
    const first = batch.entries[0];
    if (first) {
      this.#entries = this.#entries.filter((e) => e.index < first.index);
      this.#entries.push(...batch.entries);
    }
    if (batch.hardState) this.#hardState = { ...batch.hardState };
    return Promise.resolve();
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    const previous = this.#snapshots.at(-1);
    this.#pushSnapshot(snapshot);
    if (previous) this.#entries = this.#entries.filter((e) => e.index > previous.meta.index);
    return Promise.resolve();
  }

  #pushSnapshot(snapshot: Snapshot): void {
    this.#snapshots.push(snapshot);
    if (this.#snapshots.length > SNAPSHOTS_RETAINED) this.#snapshots.shift();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
