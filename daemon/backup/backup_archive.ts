/**
 * The backup archive of cluster.md §8: a gzip-compressed ustar with exactly two regular entries,
 * `meta.json` and `snapshot.bin`, both mode 0600 with mtime = the time of packaging. Writing is
 * deterministic for given inputs (no name, uid or time beyond `now` enters the bytes), so two
 * backups taken within the same second never collide on anything but the output file name the
 * caller picks, and tests need no clock-derived names at all.
 *
 * Reading applies every refusal rule of §8.2 before returning anything; a refused archive
 * yields no partial result.
 *
 * @module
 */
import { JacoError } from "../../proto/errors.ts";
import { gunzip, gzip, GzipError, GzipTooLargeError, hasGzipMagic } from "./_gzip.ts";
import { readTar, type TarEntry, TarFormatError, writeTar } from "./_tar.ts";
import {
  type BackupMeta,
  encodeBackupMeta,
  majorVersion,
  parseBackupMeta,
  versionsCompatible,
} from "./backup_meta.ts";
import { BackupRefusal } from "./backup_refusal.ts";

/** Name of the metadata entry. */
export const META_ENTRY = "meta.json";
/** Name of the raft snapshot entry. */
export const SNAPSHOT_ENTRY = "snapshot.bin";
/** Permission bits of both entries: the archive is a credential store. */
export const BACKUP_ENTRY_MODE = 0o600;
/** Chunk size of the `Cluster.Backup` stream. */
export const BACKUP_CHUNK_BYTES = 64 * 1024;
/** Default cap on the decompressed archive (1 GiB); larger inputs are refused as `too_large`. */
export const DEFAULT_MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024;
/** `meta.json` is a few hundred bytes; anything past this is not ours. */
const MAX_META_BYTES = 64 * 1024;

const REGULAR_TYPES = new Set(["0", "7"]); // "7" (contiguous) is a regular file per POSIX

/** Inputs of {@link writeBackupArchive}. */
export interface WriteBackupArchiveOptions {
  /** Raw FSMSnapshot bytes (`ClusterState.snapshot()`). */
  snapshot: Uint8Array;
  meta: BackupMeta;
  /** Packaging time: the mtime of both entries. */
  now: Date;
}

/** Options of {@link readBackupArchive}. */
export interface ReadBackupArchiveOptions {
  /** Version of the daemon/CLI doing the restore. */
  runningVersion: string;
  /** Cap on the decompressed size (default {@link DEFAULT_MAX_ARCHIVE_BYTES}). */
  maxArchiveBytes?: number;
}

/** A validated backup. */
export interface BackupContents {
  meta: BackupMeta;
  snapshot: Uint8Array;
}

/**
 * Packages a snapshot and its metadata as the §8.1 archive (async only because web
 * compression streams are; every failure arrives as a rejection).
 *
 * @throws {JacoError} `validation_failed` when `meta` is not valid (see `encodeBackupMeta`)
 * @throws {RangeError} when `now` is not a valid date
 * @example
 * ```ts
 * const archive = await writeBackupArchive({ snapshot: state.snapshot(), meta, now: new Date() });
 * for (const chunk of chunkArchive(archive)) yield { chunk };
 * ```
 */
export async function writeBackupArchive(
  options: WriteBackupArchiveOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  const mtimeMs = options.now.getTime();
  if (!Number.isFinite(mtimeMs) || mtimeMs < 0) {
    throw new RangeError(`backup time must be a valid date after 1970, got ${options.now}`);
  }
  const mtimeSeconds = Math.floor(mtimeMs / 1000);
  const meta = new TextEncoder().encode(encodeBackupMeta(options.meta));
  const tar = writeTar([
    { name: META_ENTRY, data: meta, mode: BACKUP_ENTRY_MODE, mtimeSeconds },
    { name: SNAPSHOT_ENTRY, data: options.snapshot, mode: BACKUP_ENTRY_MODE, mtimeSeconds },
  ]);
  return await gzip(tar);
}

/**
 * Splits an archive into views of at most `chunkBytes` bytes (the last may be shorter), in order.
 *
 * @throws {RangeError} when `chunkBytes` is not a positive integer
 */
export function* chunkArchive(
  bytes: Uint8Array,
  chunkBytes: number = BACKUP_CHUNK_BYTES,
): Generator<Uint8Array> {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw new RangeError(`chunk size must be a positive integer, got ${chunkBytes}`);
  }
  for (let at = 0; at < bytes.length; at += chunkBytes) {
    yield bytes.subarray(at, Math.min(at + chunkBytes, bytes.length));
  }
}

function refused(
  reason: BackupRefusal,
  message: string,
  details: Record<string, string> = {},
  cause?: unknown,
): JacoError {
  return new JacoError("validation_failed", message, { reason, ...details }, { cause });
}

async function untar(bytes: Uint8Array, maxBytes: number): Promise<TarEntry[]> {
  if (!hasGzipMagic(bytes)) {
    throw refused(BackupRefusal.not_gzip, "backup is not gzip-compressed (no gzip magic)");
  }
  let tar: Uint8Array;
  try {
    tar = await gunzip(bytes, maxBytes);
  } catch (cause) {
    if (cause instanceof GzipTooLargeError) {
      throw refused(
        BackupRefusal.too_large,
        `backup is larger than ${maxBytes} bytes uncompressed`,
        {
          max_bytes: String(maxBytes),
        },
        cause,
      );
    }
    if (cause instanceof GzipError) {
      throw refused(
        BackupRefusal.corrupt_gzip,
        `corrupt gzip in backup: ${cause.message}`,
        {},
        cause,
      );
    }
    throw cause;
  }
  try {
    return readTar(tar);
  } catch (cause) {
    if (cause instanceof TarFormatError) {
      throw refused(
        BackupRefusal.corrupt_tar,
        `corrupt tar in backup: ${cause.message}`,
        {},
        cause,
      );
    }
    throw cause;
  }
}

/** Maps the two expected entries, refusing anything else, duplicates and absences. */
function expectedEntries(entries: readonly TarEntry[]): Map<string, Uint8Array> {
  const found = new Map<string, Uint8Array>();
  for (const entry of entries) {
    const known = entry.name === META_ENTRY || entry.name === SNAPSHOT_ENTRY;
    if (!known || !REGULAR_TYPES.has(entry.type)) {
      throw refused(BackupRefusal.unexpected_entry, `unexpected tar entry: ${entry.name}`, {
        entry: entry.name,
        type: entry.type,
      });
    }
    if (found.has(entry.name)) {
      throw refused(BackupRefusal.duplicate_entry, `duplicate tar entry: ${entry.name}`, {
        entry: entry.name,
      });
    }
    found.set(entry.name, entry.data);
  }
  for (const name of [META_ENTRY, SNAPSHOT_ENTRY]) {
    if (!found.has(name)) {
      throw refused(BackupRefusal.missing_entry, `backup is missing ${name}`, { entry: name });
    }
  }
  return found;
}

function decodeMetaText(bytes: Uint8Array): string {
  if (bytes.length > MAX_META_BYTES) {
    throw refused(
      BackupRefusal.malformed_meta,
      `malformed meta.json: ${bytes.length} bytes exceeds ${MAX_META_BYTES}`,
      { field: "meta.json" },
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw refused(BackupRefusal.malformed_meta, "malformed meta.json: not valid UTF-8", {
      field: "meta.json",
    }, cause);
  }
}

/**
 * Opens and validates a backup archive (cluster.md §8.2): gzip and tar well-formed, exactly the
 * two regular entries, `meta.json` parseable with `schema_version` 1, and the same major version
 * as `runningVersion`. The returned snapshot is a copy, independent of `bytes`.
 *
 * @throws {JacoError} `validation_failed` with `details.reason` one of {@link BackupRefusal}
 * @example
 * ```ts
 * const { meta, snapshot } = await readBackupArchive(await Deno.readFile(input), {
 *   runningVersion: "1.4.0",
 * });
 * ```
 */
export async function readBackupArchive(
  bytes: Uint8Array,
  options: ReadBackupArchiveOptions,
): Promise<BackupContents> {
  const entries = await untar(bytes, options.maxArchiveBytes ?? DEFAULT_MAX_ARCHIVE_BYTES);
  const found = expectedEntries(entries);
  const meta = parseBackupMeta(decodeMetaText(found.get(META_ENTRY)!));
  if (!versionsCompatible(meta.jacoVersion, options.runningVersion)) {
    throw refused(
      BackupRefusal.incompatible_version,
      `incompatible version: backup jaco_version ${JSON.stringify(meta.jacoVersion)} (major ${
        majorVersion(meta.jacoVersion)
      }) cannot be restored by ${JSON.stringify(options.runningVersion)} (major ${
        majorVersion(options.runningVersion)
      })`,
      { field: "jaco_version", value: meta.jacoVersion, running_version: options.runningVersion },
    );
  }
  return { meta, snapshot: found.get(SNAPSHOT_ENTRY)!.slice() };
}
