/**
 * Raft snapshots as checksummed files in one directory, written atomically
 * (temp file, fsync, rename, directory fsync) and pruned to the newest few.
 *
 * File layout: magic `JRSN`, version byte, u32 meta length, meta (codec),
 * u32 high + u32 low data length, data, SHA-256 of everything before it.
 * A file that is truncated, fails its checksum or does not parse is skipped
 * by {@link SnapshotFiles.latest} in favour of the next older one.
 *
 * @module
 */
import { decodeSnapshotMeta, encodeSnapshotMeta } from "./codec.ts";
import type { Snapshot } from "./types.ts";

const MAGIC = [0x4a, 0x52, 0x53, 0x4e]; // "JRSN"
const FORMAT_VERSION = 1;
const HASH_BYTES = 32;
const NAME = /^snap-([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

function fileName(snapshot: Snapshot): string {
  const hex = (n: number) => n.toString(16).padStart(16, "0");
  return `snap-${hex(snapshot.meta.index)}-${hex(snapshot.meta.term)}.snap`;
}

/** Serialises a snapshot into the checksummed file layout. */
export async function encodeSnapshotFile(snapshot: Snapshot): Promise<Uint8Array<ArrayBuffer>> {
  const meta = encodeSnapshotMeta(snapshot.meta);
  const bodyLength = 4 + 1 + 4 + meta.length + 8 + snapshot.data.length;
  const out = new Uint8Array(bodyLength + HASH_BYTES);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = FORMAT_VERSION;
  view.setUint32(5, meta.length);
  out.set(meta, 9);
  let at = 9 + meta.length;
  view.setUint32(at, Math.floor(snapshot.data.length / 2 ** 32));
  view.setUint32(at + 4, snapshot.data.length % 2 ** 32);
  at += 8;
  out.set(snapshot.data, at);
  const hash = await crypto.subtle.digest("SHA-256", out.subarray(0, bodyLength));
  out.set(new Uint8Array(hash), bodyLength);
  return out;
}

/** Parses a snapshot file; returns undefined when it is truncated, corrupt or unknown. */
export async function decodeSnapshotFile(
  bytes: Uint8Array<ArrayBuffer>,
): Promise<Snapshot | undefined> {
  if (bytes.length < 9 + 8 + HASH_BYTES) return undefined;
  if (MAGIC.some((b, i) => bytes[i] !== b) || bytes[4] !== FORMAT_VERSION) return undefined;
  const bodyLength = bytes.length - HASH_BYTES;
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes.subarray(0, bodyLength)),
  );
  if (hash.some((b, i) => bytes[bodyLength + i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const metaLength = view.getUint32(5);
  if (9 + metaLength + 8 > bodyLength) return undefined;
  let at = 9 + metaLength;
  const dataLength = view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4);
  at += 8;
  if (at + dataLength !== bodyLength) return undefined;
  try {
    const meta = decodeSnapshotMeta(bytes.subarray(9, 9 + metaLength));
    return { meta, data: bytes.slice(at, at + dataLength) };
  } catch {
    // A checksummed file whose meta does not parse was written by an incompatible version.
    return undefined;
  }
}

/** A directory of snapshot files (see module doc). */
export class SnapshotFiles {
  #dir: string;
  #retain: number;

  /** `dir` is created on first write; `retain` newest files are kept. */
  constructor(dir: string, retain: number) {
    this.#dir = dir;
    this.#retain = retain;
  }

  /** Snapshot file names, newest (highest index) first. */
  async names(): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(this.#dir)) {
        if (entry.isFile && NAME.test(entry.name)) names.push(entry.name);
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return [];
      throw err;
    }
    return names.sort().reverse();
  }

  /** Indexes of the snapshot files present, newest first (validity not checked). */
  async indexes(): Promise<number[]> {
    return (await this.names()).map((name) => parseInt(NAME.exec(name)![1], 16));
  }

  /** Writes `snapshot` atomically and durably, then prunes old files. */
  async write(snapshot: Snapshot): Promise<void> {
    await Deno.mkdir(this.#dir, { recursive: true });
    const name = fileName(snapshot);
    const temp = `${this.#dir}/.tmp-${name}`;
    const file = await Deno.open(temp, { write: true, create: true, truncate: true });
    try {
      const bytes = await encodeSnapshotFile(snapshot);
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, `${this.#dir}/${name}`);
    await this.#syncDir();
    await this.#prune();
  }

  /** The newest readable snapshot, skipping corrupt or partial files. */
  async latest(): Promise<Snapshot | undefined> {
    for (const name of await this.names()) {
      const snapshot = await decodeSnapshotFile(await Deno.readFile(`${this.#dir}/${name}`));
      if (snapshot) return snapshot;
    }
    return undefined;
  }

  async #prune(): Promise<void> {
    const names = await this.names();
    for (const name of names.slice(this.#retain)) await Deno.remove(`${this.#dir}/${name}`);
    for await (const entry of Deno.readDir(this.#dir)) {
      // Leftovers of a write interrupted by a crash; never renamed, so never valid.
      if (entry.name.startsWith(".tmp-")) await Deno.remove(`${this.#dir}/${entry.name}`);
    }
  }

  async #syncDir(): Promise<void> {
    const dir = await Deno.open(this.#dir, { read: true });
    try {
      await dir.sync();
    } finally {
      dir.close();
    }
  }
}
