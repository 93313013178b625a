/**
 * {@link Storage} on `node:sqlite`: the log and the stable store live in
 * `<dir>/log.db` (WAL, `synchronous=FULL`, exclusive lock so two daemons can
 * never share a data dir), snapshots in `<dir>/snapshots/` as
 * {@link SnapshotFiles}. Each {@link PersistBatch} is ONE transaction: every
 * entry and the hard state of a Ready cost a single fsync (group commit).
 *
 * The database lives in a dedicated worker: an fsync takes milliseconds and
 * would otherwise freeze the event loop, so proposals, peer messages and
 * client requests keep arriving (and batching into the next Ready) while a
 * Ready is being made durable.
 *
 * @module
 */
import { decodeConfState, decodeHardState, encodeConfState } from "./codec.ts";
import type { LogWrite, SqliteLog } from "./_sqlite_log.ts";
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

/** Options of {@link SqliteStorage.open}. */
export interface SqliteStorageOptions {
  /** The raft directory, e.g. `<data_dir>/raft`; created if missing. */
  dir: string;
}

/** The storage worker failed a request (SQLite error, disk full, lock held). */
export class SqliteStorageError extends Error {
  /** Creates the error for operation `op`. */
  constructor(op: string, message: string) {
    super(`raft storage ${op} failed: ${message}`);
    this.name = "SqliteStorageError";
  }
}

type Args<K extends keyof SqliteLog> = SqliteLog[K] extends (...a: infer A) => unknown ? A : never;
type Result<K extends keyof SqliteLog> = SqliteLog[K] extends (...a: never[]) => infer R ? R
  : never;
type Pending = { op: string; resolve(value: unknown): void; reject(err: Error): void };

/** SQLite-backed raft storage (see module doc). */
export class SqliteStorage implements Storage {
  #worker: Worker;
  #snapshots: SnapshotFiles;
  #pending = new Map<number, Pending>();
  #nextId = 0;
  #closed = false;

  private constructor(worker: Worker, snapshots: SnapshotFiles) {
    this.#worker = worker;
    this.#snapshots = snapshots;
    worker.onmessage = (event: MessageEvent<{ id: number; value?: unknown; error?: string }>) => {
      const { id, value, error } = event.data;
      const p = this.#pending.get(id);
      if (!p) return;
      this.#pending.delete(id);
      if (error !== undefined) p.reject(new SqliteStorageError(p.op, error));
      else p.resolve(value);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      for (const p of this.#pending.values()) p.reject(new SqliteStorageError(p.op, event.message));
      this.#pending.clear();
    };
  }

  /**
   * Opens (creating if needed) the storage in `options.dir`.
   * @throws {SqliteStorageError} when the database cannot be opened or is locked by another process
   */
  static async open(options: SqliteStorageOptions): Promise<SqliteStorage> {
    await Deno.mkdir(options.dir, { recursive: true });
    const worker = new Worker(new URL("./_sqlite_worker.ts", import.meta.url).href, {
      type: "module",
    });
    const storage = new SqliteStorage(
      worker,
      new SnapshotFiles(`${options.dir}/snapshots`, SNAPSHOTS_RETAINED),
    );
    try {
      await storage.#call("open", `${options.dir}/log.db`);
    } catch (err) {
      worker.terminate();
      throw err;
    }
    return storage;
  }

  #call<K extends keyof SqliteLog | "open">(
    op: K,
    ...args: K extends keyof SqliteLog ? Args<K> : [path: string]
  ): Promise<K extends keyof SqliteLog ? Result<K> : void> {
    if (this.#closed) return Promise.reject(new SqliteStorageError(op, "storage is closed"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { op, resolve: resolve as (value: unknown) => void, reject });
      this.#worker.postMessage({ id, op, args });
    });
  }

  async load(): Promise<RestoredState> {
    const snapshot = await this.#snapshots.latest();
    const after = snapshot?.meta.index ?? 0;
    const entries: Entry[] = await this.#call("entriesAfter", after);
    checkContiguous(entries, after);
    const hs = await this.#call("meta", "hard_state");
    const conf = await this.#call("meta", "conf");
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
    return this.#call("bootstrap", encodeConfState(conf));
  }

  async persist(batch: PersistBatch): Promise<void> {
    // The snapshot file is durable before the log forgets what it covers.
    if (batch.snapshot) await this.#snapshots.write(batch.snapshot);
    const write: LogWrite = { entries: batch.entries, hardState: batch.hardState };
    if (batch.snapshot) write.snapshot = batch.snapshot.meta;
    await this.#call("write", write);
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    await this.#snapshots.write(snapshot);
    const previous = (await this.#snapshots.indexes())[1];
    if (previous !== undefined) await this.#call("compactUpTo", previous);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#call("close");
    } finally {
      this.#closed = true;
      this.#worker.terminate();
    }
  }
}
