/**
 * The synchronous SQLite half of {@link SqliteStorage}: log entries and the
 * stable store in one database file (WAL, `synchronous=FULL`, exclusive
 * lock). It runs inside the storage worker so an fsync never blocks the
 * driver's event loop.
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { entryTypeFromCode, entryTypeToCode } from "./codec.ts";
import type { Entry, HardState } from "./types.ts";
import { encodeHardState } from "./codec.ts";

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

/** One group commit: an installed snapshot's position, entries, hard state. */
export interface LogWrite {
  snapshot?: { index: number; term: number };
  entries: readonly Entry[];
  hardState?: HardState;
}

/** Synchronous access to the raft database. */
export class SqliteLog {
  #db: DatabaseSync;
  #insert: StatementSync;
  #deleteFrom: StatementSync;
  #deleteUpTo: StatementSync;
  #termAt: StatementSync;
  #putMeta: StatementSync;
  #getMeta: StatementSync;

  /** Opens (creating) the database at `path`. */
  constructor(path: string) {
    const db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=FULL");
    db.exec("PRAGMA locking_mode=EXCLUSIVE");
    db.exec(SCHEMA);
    this.#db = db;
    this.#insert = db.prepare("INSERT INTO entries (idx, term, type, data) VALUES (?, ?, ?, ?)");
    this.#deleteFrom = db.prepare("DELETE FROM entries WHERE idx >= ?");
    this.#deleteUpTo = db.prepare("DELETE FROM entries WHERE idx <= ?");
    this.#termAt = db.prepare("SELECT term FROM entries WHERE idx = ?");
    this.#putMeta = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    this.#getMeta = db.prepare("SELECT value FROM meta WHERE key = ?");
  }

  /** Stored entries with index > `after`, in order. */
  entriesAfter(after: number): Entry[] {
    const rows = this.#db.prepare(
      "SELECT idx, term, type, data FROM entries WHERE idx > ? ORDER BY idx",
    ).all(after) as unknown as EntryRow[];
    return rows.map((r) => ({
      index: r.idx,
      term: r.term,
      type: entryTypeFromCode(r.type),
      data: r.data,
    }));
  }

  /** A stable-store record (`hard_state`, `conf`). */
  meta(key: string): Uint8Array | undefined {
    return (this.#getMeta.get(key) as { value: Uint8Array } | undefined)?.value;
  }

  /** Stores the bootstrap membership unless raft state exists. */
  bootstrap(conf: Uint8Array): void {
    this.#transaction(() => {
      const any = this.#db.prepare("SELECT 1 FROM entries LIMIT 1").get();
      if (!any && !this.meta("hard_state")) this.#putMeta.run("conf", conf);
    });
  }

  /** Applies one group commit in a single transaction (one fsync). */
  write(batch: LogWrite): void {
    this.#transaction(() => {
      if (batch.snapshot) {
        const { index, term } = batch.snapshot;
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

  /** Drops entries with index <= `index`. */
  compactUpTo(index: number): void {
    this.#transaction(() => this.#deleteUpTo.run(index));
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
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
