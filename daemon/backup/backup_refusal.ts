/**
 * Why a backup archive or a restore was refused: the `details.reason` of the {@link JacoError}
 * thrown, so callers and tests branch on data rather than on message text.
 *
 * Codes (errors.md has no backup-specific refusal code): every archive problem is
 * `validation_failed` (InvalidArgument: the operator handed us a bad file); an existing
 * `raft/log.db` is `cluster_already_initialized` (FailedPrecondition: the same condition that
 * refuses `Cluster.Init`/`Join`).
 *
 * @module
 */

/** The refusal rules of cluster.md §8.2 (plus size and duplicate sanity checks). */
export const BackupRefusal = {
  /** The input does not start with the gzip magic. */
  not_gzip: "not_gzip",
  /** gzip CRC/length mismatch, truncation or trailing garbage. */
  corrupt_gzip: "corrupt_gzip",
  /** Decompressed archive larger than the reader's cap. */
  too_large: "too_large",
  /** Bad header checksum, bad numeric field, truncated entry, data after the end marker. */
  corrupt_tar: "corrupt_tar",
  /** An entry other than regular `meta.json` / `snapshot.bin`. */
  unexpected_entry: "unexpected_entry",
  /** The same name twice (which copy is the backup would be ambiguous). */
  duplicate_entry: "duplicate_entry",
  /** `meta.json` or `snapshot.bin` absent. */
  missing_entry: "missing_entry",
  /** `meta.json` is not JSON or a field is absent or ill-typed. */
  malformed_meta: "malformed_meta",
  /** `schema_version` is not the one this build reads. */
  schema_mismatch: "schema_mismatch",
  /** Major version of the backup differs from the running one. */
  incompatible_version: "incompatible_version",
  /** `<data_dir>/raft/log.db` exists: restore never overwrites state. */
  existing_state: "existing_state",
} as const;

/** One refusal reason. */
export type BackupRefusal = typeof BackupRefusal[keyof typeof BackupRefusal];
