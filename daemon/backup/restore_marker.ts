/**
 * `<data_dir>/restore.txt` (cluster.md §8.2): written last by `jaco restore`, read on the first
 * boot so the leader can audit `restore_completed {cluster_id, snapshot_index, taken_at}`.
 *
 * Format: four `key=value` lines in a fixed order, each ending in `\n`. The reader ignores blank
 * lines and keys it does not know (so a later version may add some), and refuses a missing or
 * repeated key or a bad value: a marker that does not parse is reported, not guessed at.
 *
 * @module
 */
import { JacoError } from "../../proto/errors.ts";
import { type BackupMeta, formatRfc3339Utc, isRfc3339 } from "./backup_meta.ts";

/** The content of a restore marker. */
export interface RestoreMarker {
  clusterId: string;
  snapshotIndex: number;
  /** When the backup was taken (verbatim from `meta.json`). */
  takenAt: string;
  /** When the restore ran (RFC 3339 UTC, whole seconds). */
  importedAt: string;
}

const KEYS = ["cluster_id", "snapshot_index", "taken_at", "imported_at"] as const;

/**
 * Renders `restore.txt` for a restore of `meta` run at `importedAt`.
 *
 * @throws {RangeError} when `importedAt` is not a valid date
 * @throws {JacoError} `validation_failed` when a value would not read back (see
 *   {@link parseRestoreMarker})
 * @example
 * ```ts
 * await Deno.writeTextFile(plan.markerPath, restoreMarker(meta, new Date()));
 * ```
 */
export function restoreMarker(
  meta: Pick<BackupMeta, "clusterId" | "snapshotIndex" | "takenAt">,
  importedAt: Date,
): string {
  const text = [
    `cluster_id=${meta.clusterId}`,
    `snapshot_index=${meta.snapshotIndex}`,
    `taken_at=${meta.takenAt}`,
    `imported_at=${formatRfc3339Utc(importedAt)}`,
  ].map((line) => line + "\n").join("");
  // Never leave a marker the first boot cannot read (e.g. a newline smuggled into a value).
  parseRestoreMarker(text);
  return text;
}

function invalid(field: string, message: string): JacoError {
  return new JacoError("validation_failed", `restore marker ${field} ${message}`, { field });
}

/**
 * Parses `restore.txt` back.
 *
 * @throws {JacoError} `validation_failed` naming the field that is missing, repeated or bad
 */
export function parseRestoreMarker(text: string): RestoreMarker {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const trimmed = line.replace(/\r$/, "");
    if (trimmed.trim() === "") continue;
    const equals = trimmed.indexOf("=");
    if (equals === -1) throw invalid("line", `is not key=value: ${JSON.stringify(trimmed)}`);
    const key = trimmed.slice(0, equals);
    if (values.has(key)) throw invalid(key, "appears twice");
    values.set(key, trimmed.slice(equals + 1));
  }
  for (const key of KEYS) {
    if (!values.has(key)) throw invalid(key, "is missing");
  }
  const clusterId = values.get("cluster_id")!;
  if (!/^[^\s\p{Cc}]+$/u.test(clusterId)) {
    throw invalid("cluster_id", `must be non-empty, got ${JSON.stringify(clusterId)}`);
  }
  const indexText = values.get("snapshot_index")!;
  const snapshotIndex = Number(indexText);
  if (!/^[0-9]+$/.test(indexText) || !Number.isSafeInteger(snapshotIndex) || snapshotIndex < 1) {
    throw invalid("snapshot_index", `must be an integer ≥ 1, got ${JSON.stringify(indexText)}`);
  }
  const [takenAt, importedAt] = [values.get("taken_at")!, values.get("imported_at")!];
  for (const [field, value] of [["taken_at", takenAt], ["imported_at", importedAt]]) {
    if (!isRfc3339(value)) {
      throw invalid(field, `must be an RFC 3339 timestamp, got ${JSON.stringify(value)}`);
    }
  }
  return { clusterId, snapshotIndex, takenAt, importedAt };
}
