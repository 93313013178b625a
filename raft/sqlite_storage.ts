/**
 * {@link Storage} on `node:sqlite`: the log and the stable store live in
 * `<dir>/log.db` (WAL, `synchronous=FULL`, exclusive lock so two daemons can
 * never share a data dir), snapshots in `<dir>/snapshots/` as
 * {@link SnapshotFiles}. Each {@link PersistBatch} is ONE transaction: every
 * entry and the hard state of a Ready cost a single fsync (group commit).
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  decodeConfState,
  decodeHardState,
  encodeConfState,
  encodeHardState,
  entryTypeFromCode,
  entryTypeToCode,
} from "./codec.ts";
import { SnapshotFiles } from "./snapshot_files.ts";
import {
  checkContiguous,
  EMPTY_HARD_STATE,
  type PersistBatch,
  SNAPSHOTS_RETAINED,
  type Storage,
  StorageCorruptError,
} from "./storage.ts";
import type { ConfState, Entry, RestoredState, Snapshot } from "./types.ts";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS entries (
    idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, type INTEGER NOT NULL, data BLOB NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
`;

interface EntryRow {
  idx: number;
  term: number;
  type: number;
  data: Uint8Array;
}

/** Options of {@link SqliteStorage.open}. */
export interface SqliteStorageOptions {
  /** The raft directory, e.g. `<data_dir>/raft`; created if missing. */
  dir: string;
}

/** SQLite-backed raft storage (see module doc). */
export class SqliteStorage implements Storage {
  #db: DatabaseSync;
  #snapshots: SnapshotFiles;
  #insert: StatementSync;
  #deleteFrom: StatementSync;
  #deleteUpTo: StatementSync;
  #termAt: StatementSync;
  #putMeta: StatementSync;
  #getMeta: StatementSync;

  private constructor(db: DatabaseSync, snapshots: SnapshotFiles) {
    this.#db = db;
    this.#snapshots = snapshots;
    this.#insert = db.prepare("INSERT INTO entries (idx, term, type, data) VALUES (?, ?, ?, ?)");
    this.#deleteFrom = db.prepare("DELETE FROM entries WHERE idx >= ?");
    this.#deleteUpTo = db.prepare("DELETE FROM entries WHERE idx <= ?");
    this.#termAt = db.prepare("SELECT term FROM entries WHERE idx = ?");
    this.#putMeta = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    this.#getMeta = db.prepare("SELECT value FROM meta WHERE key = ?");
  }

  /**
   * Opens (creating if needed) the storage in `options.dir`.
   * @throws {Error} when the database cannot be opened or is locked by another process
   */
  static async open(options: SqliteStorageOptions): Promise<SqliteStorage> {
    await Deno.mkdir(options.dir, { recursive: true });
    const db = new DatabaseSync(`${options.dir}/log.db`);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=FULL");
    db.exec("PRAGMA locking_mode=EXCLUSIVE");
    db.exec(SCHEMA);
    return new SqliteStorage(db, new SnapshotFiles(`${options.dir}/snapshots`, SNAPSHOTS_RETAINED));
  }

  async load(): Promise<RestoredState> {
    const snapshot = await this.#snapshots.latest();
    const after = snapshot?.meta.index ?? 0;
    const rows = this.#db.prepare(
      "SELECT idx, term, type, data FROM entries WHERE idx > ? ORDER BY idx",
    ).all(after) as unknown as EntryRow[];
    const entries: Entry[] = rows.map((r) => ({
      index: r.idx,
      term: r.term,
      type: entryTypeFromCode(r.type),
      data: r.data,
    }));
    checkContiguous(entries, after);
    const hs = this.#meta("hard_state");
    const conf = this.#meta("conf");
    try {
      return {
        hardState: hs ? decodeHardState(hs) : { ...EMPTY_HARD_STATE },
        snapshot,
        entries,
        conf: conf ? decodeConfState(conf) : { voters: [], learners: [] },
      };
    } catch (cause) {
      throw new StorageCorruptError("raft stable store record does not decode", { cause });
    }
  }

  bootstrap(conf: ConfState): Promise<void> {
    this.#transaction(() => {
      const any = this.#db.prepare("SELECT 1 FROM entries LIMIT 1").get();
      if (!any && !this.#meta("hard_state")) this.#putMeta.run("conf", encodeConfState(conf));
    });
    return Promise.resolve();
  }

  async persist(batch: PersistBatch): Promise<void> {
    // The snapshot file is durable before the log forgets what it covers.
    if (batch.snapshot) await this.#snapshots.write(batch.snapshot);
    this.#transaction(() => {
      if (batch.snapshot) {
        const { index, term } = batch.snapshot.meta;
        const row = this.#termAt.get(index) as { term: number } | undefined;
        // Keep the suffix only when our log already agrees with the snapshot's last entry.
        if (row?.term === term) this.#deleteUpTo.run(index);
        else this.#deleteFrom.run(0);
      }
      const first = batch.entries[0];
      if (first) {
        this.#deleteFrom.run(first.index);
        for (const e of batch.entries) {
          this.#insert.run(e.index, e.term, entryTypeToCode(e.type), e.data);
        }
      }
      if (batch.hardState) this.#putMeta.run("hard_state", encodeHardState(batch.hardState));
    });
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    await this.#snapshots.write(snapshot);
    const previous = (await this.#snapshots.indexes())[1];
    if (previous !== undefined) this.#transaction(() => this.#deleteUpTo.run(previous));
  }

  close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
    return Promise.resolve();
  }

  #meta(key: string): Uint8Array | undefined {
    const row = this.#getMeta.get(key) as { value: Uint8Array } | undefined;
    return row?.value;
  }

  #transaction(body: () => void): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      body();
      this.#db.exec("COMMIT");
    } catch (err) {
      this.#db.exec("ROLLBACK");
      throw err;
    }
  }
}
