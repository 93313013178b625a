/**
 * `meta.json` of a backup archive (cluster.md §8.1, auth-and-config.md §10.3): its fields, its
 * 2-space JSON form, the strict parser a restore runs, and the major-version rule.
 *
 * Decisions where the spec is silent:
 * - Unknown extra fields are ignored (as a JSON decoder of the reference would); a format change
 *   that matters bumps `schema_version`, which is checked before any other field.
 * - `snapshot_index` and `snapshot_term` must be integers ≥ 1 within 2^53 (a backup always
 *   follows cluster init, so index 0 cannot be a real snapshot).
 * - `cluster_id` must be non-empty with no whitespace or control characters, and `taken_at` an
 *   RFC 3339 timestamp: both end up in line-based `restore.txt`.
 *
 * @module
 */
import { JacoError } from "../../proto/errors.ts";
import { BackupRefusal } from "./backup_refusal.ts";

/** The only `schema_version` this build writes and reads. */
export const BACKUP_SCHEMA_VERSION = 1;

/** The fields of `meta.json` other than `schema_version` (always {@link BACKUP_SCHEMA_VERSION}). */
export interface BackupMeta {
  /** Cluster UUID. */
  clusterId: string;
  /** Raft index of the snapshot. */
  snapshotIndex: number;
  /** Raft term of the snapshot. */
  snapshotTerm: number;
  /** Version of the daemon that took it; empty means "unknown" and is compatible with any. */
  jacoVersion: string;
  /** RFC 3339 time the snapshot was taken, kept verbatim. */
  takenAt: string;
  /** Raft address of the leader that took it. */
  leaderAtSnapshot: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const TOKEN = /^[^\s\p{Cc}]+$/u;

/** True when `text` is an RFC 3339 date-time (the profile `Date` also accepts). */
export function isRfc3339(text: string): boolean {
  return RFC3339.test(text) && !Number.isNaN(Date.parse(text));
}

/**
 * Formats `date` as RFC 3339 UTC with whole seconds (`2026-05-25T10:00:00Z`).
 *
 * @throws {RangeError} for an invalid date
 */
export function formatRfc3339Utc(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function malformed(field: string, message: string): JacoError {
  return new JacoError("validation_failed", `malformed meta.json: ${field} ${message}`, {
    reason: BackupRefusal.malformed_meta,
    field,
  });
}

function requireCounter(record: Record<string, unknown>, field: string): number {
  const value = record[field];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw malformed(field, `must be an integer ≥ 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

function requireString(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (typeof value !== "string") {
    throw malformed(field, `must be a string, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks and converts the fields of a {@link BackupMeta}, throwing on the first bad one. */
function fieldsOf(record: Record<string, unknown>): BackupMeta {
  const clusterId = requireString(record, "cluster_id");
  if (!TOKEN.test(clusterId)) {
    throw malformed(
      "cluster_id",
      `must be non-empty without whitespace, got ${JSON.stringify(clusterId)}`,
    );
  }
  const snapshotIndex = requireCounter(record, "snapshot_index");
  const snapshotTerm = requireCounter(record, "snapshot_term");
  const jacoVersion = requireString(record, "jaco_version");
  const takenAt = requireString(record, "taken_at");
  if (!isRfc3339(takenAt)) {
    throw malformed("taken_at", `must be an RFC 3339 timestamp, got ${JSON.stringify(takenAt)}`);
  }
  const leaderAtSnapshot = requireString(record, "leader_at_snapshot");
  return { clusterId, snapshotIndex, snapshotTerm, jacoVersion, takenAt, leaderAtSnapshot };
}

/**
 * Renders `meta.json`: the §8.1 fields in table order, 2-space indented, trailing newline.
 *
 * @throws {JacoError} `validation_failed` when a field would not pass {@link parseBackupMeta}
 */
export function encodeBackupMeta(meta: BackupMeta): string {
  const record = {
    schema_version: BACKUP_SCHEMA_VERSION,
    cluster_id: meta.clusterId,
    snapshot_index: meta.snapshotIndex,
    snapshot_term: meta.snapshotTerm,
    jaco_version: meta.jacoVersion,
    taken_at: meta.takenAt,
    leader_at_snapshot: meta.leaderAtSnapshot,
  };
  fieldsOf(record);
  return JSON.stringify(record, null, 2) + "\n";
}

/**
 * Parses `meta.json`. `schema_version` is checked first so a future format reports a schema
 * mismatch rather than a confusing field error.
 *
 * @throws {JacoError} `validation_failed` with `details.reason` `malformed_meta` (and
 *   `details.field`) or `schema_mismatch`
 */
export function parseBackupMeta(text: string): BackupMeta {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new JacoError("validation_failed", `malformed meta.json: ${reason}`, {
      reason: BackupRefusal.malformed_meta,
      field: "meta.json",
    }, { cause });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw malformed("meta.json", "must be a JSON object");
  }
  const record = parsed as Record<string, unknown>;
  const schema = record.schema_version;
  if (schema === undefined) throw malformed("schema_version", "is missing");
  if (schema !== BACKUP_SCHEMA_VERSION) {
    throw new JacoError(
      "validation_failed",
      `backup schema mismatch: schema_version ${
        JSON.stringify(schema)
      }, this build reads ${BACKUP_SCHEMA_VERSION}`,
      { reason: BackupRefusal.schema_mismatch, field: "schema_version", value: String(schema) },
    );
  }
  return fieldsOf(record);
}

/** The major part of a version: text before the first `.`, a leading `v` ignored. */
export function majorVersion(version: string): string {
  const bare = version.startsWith("v") ? version.slice(1) : version;
  const dot = bare.indexOf(".");
  return dot === -1 ? bare : bare.slice(0, dot);
}

/** True when the two versions share a major, or either major is empty (unknown). */
export function versionsCompatible(backupVersion: string, runningVersion: string): boolean {
  const backup = majorVersion(backupVersion);
  const running = majorVersion(runningVersion);
  return backup === "" || running === "" || backup === running;
}
