/**
 * The offline pre-flight of `jaco restore` (cluster.md §8.2): where the restored state goes, and
 * the refusal when the data directory already holds raft state. Checking happens before any
 * write, so a refused restore leaves the disk untouched.
 *
 * @module
 */
import { JacoError } from "../../proto/errors.ts";
import { BackupRefusal } from "./backup_refusal.ts";

/** Permission bits of `<data_dir>/raft/` created by a restore. */
export const RAFT_DIR_MODE = 0o700;
/** File name of the restore marker inside the data directory. */
export const RESTORE_MARKER_FILE = "restore.txt";

/** Inputs of {@link planRestore}. */
export interface PlanRestoreOptions {
  /** `JACO_DATA_DIR` (default `/var/lib/jaco`). */
  dataDir: string;
  /** Whether a path exists (the filesystem edge; tests pass a fake). */
  exists: (path: string) => boolean | Promise<boolean>;
}

/** Paths a restore writes, all inside `dataDir`. */
export interface RestorePlan {
  dataDir: string;
  /** `<data_dir>/raft`, created with {@link RAFT_DIR_MODE}. */
  raftDir: string;
  /** `<data_dir>/raft/log.db`, whose presence refuses the restore. */
  logDbPath: string;
  /** `<data_dir>/restore.txt`. */
  markerPath: string;
}

/**
 * Computes the restore paths and refuses when `<data_dir>/raft/log.db` exists.
 *
 * @throws {JacoError} `validation_failed` (`details.field` `data_dir`) for an empty or relative
 *   `dataDir`; `cluster_already_initialized` (`details.reason` `existing_state`) when the log
 *   store exists
 * @example
 * ```ts
 * const plan = await planRestore({ dataDir: "/var/lib/jaco", exists: pathExists });
 * ```
 */
export async function planRestore(options: PlanRestoreOptions): Promise<RestorePlan> {
  if (!options.dataDir.startsWith("/")) {
    throw new JacoError(
      "validation_failed",
      `data_dir must be an absolute path, got ${JSON.stringify(options.dataDir)}`,
      { field: "data_dir", value: options.dataDir },
    );
  }
  const dataDir = options.dataDir.length > 1 ? options.dataDir.replace(/\/+$/, "") : "/";
  const base = dataDir === "/" ? "" : dataDir;
  const plan: RestorePlan = {
    dataDir,
    raftDir: `${base}/raft`,
    logDbPath: `${base}/raft/log.db`,
    markerPath: `${base}/${RESTORE_MARKER_FILE}`,
  };
  if (await options.exists(plan.logDbPath)) {
    throw new JacoError(
      "cluster_already_initialized",
      `refusing to overwrite existing state: ${plan.logDbPath} exists`,
      { reason: BackupRefusal.existing_state, path: plan.logDbPath },
    );
  }
  return plan;
}
