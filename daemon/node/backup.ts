/**
 * `Cluster.Backup` (cluster.md §8.1): on the leader, the state committed at the applied index is
 * serialized, packaged with its metadata as the backup archive and streamed in 64 KiB chunks;
 * `backup_taken {snapshot_index}` is then audited as the caller (best effort).
 *
 * Decisions where the spec is silent:
 * - The snapshot is `ClusterState.snapshot()` read in the same synchronous turn as the applied
 *   index, so it is exactly the state at `snapshot_index` without forcing a raft compaction.
 * - `snapshot_term` is the leader's current term: the driver does not expose the term of the
 *   entry at the applied index, and a restore only needs a term no older than that entry's.
 * - A follower re-invokes `Cluster.Backup` on the leader and relays its stream (`node.ts` via
 *   `onLeaderStream`), so a follower's socket and `--server <follower>` work; the leader audits
 *   the caller the follower admitted. The relay's deadline is the CLI's 5 min.
 * - Called on a non-leader directly (a forwarded call that lost the leadership race) it is
 *   `no_leader` naming the leader.
 *
 * @module
 */
import { AuditEventType, BackupChunk, type Command } from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import type { RaftStatus } from "../../raft/mod.ts";
import type { ClusterState } from "../../state/mod.ts";
import { chunkArchive, formatRfc3339Utc, writeBackupArchive } from "../backup/mod.ts";

/** Deadline of a backup relayed by a follower (the CLI's, cli.md §1.5). */
export const backupForwardDeadlineMs = 5 * 60_000;

/** What {@link takeBackup} needs; late-bound because raft starts after the API. */
export interface BackupDeps {
  /** This node's name (for the `no_leader` message). */
  self: string;
  /** Raft status, undefined before init. */
  raftStatus: () => RaftStatus | undefined;
  /** The replicated state. */
  state: () => ClusterState;
  /** This node's raft address (`leader_at_snapshot`). */
  raftAddress: string;
  /** Version of this daemon. */
  jacoVersion: string;
  /** Commits the audit event. */
  submit: (payload: Command["payload"], identity: string) => Promise<unknown>;
  /** Clock. */
  now: () => Date;
  /** Where an audit failure is reported. */
  warn: (message: string, attributes: Record<string, string>) => void;
}

/**
 * Streams one backup archive as `BackupChunk`s.
 *
 * @throws {JacoError} `cluster_uninitialized` before init, `no_leader` on a follower,
 *   `no_cluster` before `ClusterMeta` is applied
 */
export async function* takeBackup(deps: BackupDeps, identity: string): AsyncIterable<BackupChunk> {
  const status = deps.raftStatus();
  if (!status) throw new JacoError("cluster_uninitialized", "cluster is not initialized");
  if (status.role !== "leader") {
    throw new JacoError(
      "no_leader",
      `node "${deps.self}" is not the raft leader; run backup against the leader`,
      { leader: status.leader },
    );
  }
  const state = deps.state();
  const meta = state.view().clusterMeta();
  if (!meta) throw new JacoError("no_cluster", "cluster metadata is not applied yet");
  const snapshotIndex = state.appliedIndex;
  const snapshot = state.snapshot();
  const now = deps.now();
  const archive = await writeBackupArchive({
    snapshot,
    now,
    meta: {
      clusterId: meta.clusterId,
      snapshotIndex,
      snapshotTerm: status.term,
      jacoVersion: deps.jacoVersion,
      takenAt: formatRfc3339Utc(now),
      leaderAtSnapshot: deps.raftAddress,
    },
  });
  for (const data of chunkArchive(archive)) yield BackupChunk.fromPartial({ data });
  try {
    await deps.submit({
      $case: "auditAppend",
      value: {
        event: {
          type: AuditEventType.AUDIT_EVENT_TYPE_BACKUP_TAKEN,
          identity,
          ts: now,
          raftIndex: 0,
          payload: { snapshot_index: String(snapshotIndex) },
        },
      },
    }, identity);
  } catch (error) {
    deps.warn("backup taken but its audit event was not committed", {
      error: (error as Error).message,
    });
  }
}
