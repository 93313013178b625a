/**
 * Backup and restore building blocks (cluster.md §8, auth-and-config.md §10.3): the archive
 * `jaco backup` streams (gzip'd ustar with `meta.json` + `snapshot.bin`), the validating reader
 * `jaco restore` runs with every §8.2 refusal rule, the restore pre-flight against an existing
 * `raft/log.db`, and the `restore.txt` marker consumed on first boot.
 *
 * Archive refusals are `validation_failed` with `details.reason` from {@link BackupRefusal};
 * an existing log store is `cluster_already_initialized`.
 *
 * @example
 * ```ts
 * import { readBackupArchive, writeBackupArchive } from "./mod.ts";
 *
 * const archive = await writeBackupArchive({ snapshot, meta, now: new Date() });
 * const { meta: read } = await readBackupArchive(archive, { runningVersion: "1.0.0" });
 * ```
 *
 * @module
 */
export {
  BACKUP_CHUNK_BYTES,
  BACKUP_ENTRY_MODE,
  type BackupContents,
  chunkArchive,
  DEFAULT_MAX_ARCHIVE_BYTES,
  META_ENTRY,
  readBackupArchive,
  type ReadBackupArchiveOptions,
  SNAPSHOT_ENTRY,
  writeBackupArchive,
  type WriteBackupArchiveOptions,
} from "./backup_archive.ts";
export {
  BACKUP_SCHEMA_VERSION,
  type BackupMeta,
  encodeBackupMeta,
  formatRfc3339Utc,
  isRfc3339,
  majorVersion,
  parseBackupMeta,
  versionsCompatible,
} from "./backup_meta.ts";
export { BackupRefusal } from "./backup_refusal.ts";
export {
  planRestore,
  type PlanRestoreOptions,
  RAFT_DIR_MODE,
  RESTORE_MARKER_FILE,
  type RestorePlan,
} from "./restore_plan.ts";
export { parseRestoreMarker, type RestoreMarker, restoreMarker } from "./restore_marker.ts";
