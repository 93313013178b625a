/**
 * The first boot after `jaco restore` (cluster.md §8.2): with `<data_dir>/restore.txt` present,
 * the node commits `restore_completed {cluster_id, snapshot_index, taken_at}` (through the
 * submitter, so it lands on the leader) and renames the marker to `restore.txt.done`.
 *
 * Decisions where the spec is silent:
 * - The marker is renamed, not deleted, so the operator keeps a record of when the import ran.
 * - While there is no leader yet the submit is retried every second, up to 60 tries; a marker
 *   that does not parse is reported and left in place for the operator.
 * - Before the event, the `Node` records of the other former members are removed (`NodeRemove`,
 *   idempotent on retry): the restored node is the only voter, and the others must be able to
 *   rejoin under their own names with fresh join tokens (a kept record would refuse them as
 *   `node_already_member`).
 * - When the node was restored under another name than it had in the backup (`restore --name
 *   <other>`), state holds no `Node` record for it; restored under a former member's name on a
 *   new host, the record holds that host's stale addresses. Either way one is (re)written first
 *   (`NodeJoin` with its raft and gRPC advertise addresses, then `NodeStatusUpdate{ready}`), so
 *   the restored node lists itself, is placement-eligible and joiners learn its real raft address.
 *
 * @module
 */
import { AuditEventType, type Command, NodeStatus } from "../../proto/mod.ts";
import { isJacoError } from "../../proto/errors.ts";
import { parseRestoreMarker } from "../backup/mod.ts";
import type { DaemonLogger } from "./log.ts";
import { systemIdentity } from "./self_publish.ts";

/** Inputs of {@link completeRestore}. */
export interface CompleteRestoreOptions {
  /** `<data_dir>/restore.txt`. */
  markerPath: string;
  /** Commits a command. */
  submit: (payload: Command["payload"], identity: string) => Promise<unknown>;
  /** True once the node is stopping. */
  stopped: () => boolean;
  /** Waits between tries (1 s in the daemon). */
  sleep: () => Promise<void>;
  /** Logger. */
  log: DaemonLogger;
  /** Hostnames of the `Node` records other than this node's (read when the submit runs). */
  formerMembers: () => readonly string[];
  /**
   * This node, (re)recorded when state has no `Node` for it or one with other addresses;
   * `recorded()` reads its current record.
   */
  self?: {
    hostname: string;
    address: string;
    grpcAddress: string;
    recorded: () => { address: string; grpcAddress: string } | undefined;
  };
  /** Tries while there is no leader (default 60). */
  attempts?: number;
}

/**
 * Audits `restore_completed` and renames the marker; resolves false when there was no marker or
 * the event could not be committed.
 */
export async function completeRestore(options: CompleteRestoreOptions): Promise<boolean> {
  let text: string;
  try {
    text = await Deno.readTextFile(options.markerPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  const marker = parseRestoreMarker(text);
  const payload: Command["payload"] = {
    $case: "auditAppend",
    value: {
      event: {
        type: AuditEventType.AUDIT_EVENT_TYPE_RESTORE_COMPLETED,
        identity: systemIdentity,
        ts: undefined,
        raftIndex: 0,
        payload: {
          cluster_id: marker.clusterId,
          snapshot_index: String(marker.snapshotIndex),
          taken_at: marker.takenAt,
        },
      },
    },
  };
  for (let attempt = 0; attempt < (options.attempts ?? 60) && !options.stopped(); attempt++) {
    try {
      if (options.self && !upToDate(options.self)) await recordSelf(options);
      for (const hostname of options.formerMembers()) {
        await options.submit({ $case: "nodeRemove", value: { hostname } }, systemIdentity);
      }
      await options.submit(payload, systemIdentity);
      await Deno.rename(options.markerPath, `${options.markerPath}.done`);
      options.log.info("restore completed", {
        cluster_id: marker.clusterId,
        snapshot_index: marker.snapshotIndex,
      });
      return true;
    } catch (error) {
      const retry = isJacoError(error) &&
        (error.code === "no_leader" || error.code === "raft_apply_failed");
      if (!retry) throw error;
      await options.sleep();
    }
  }
  return false;
}

function upToDate(self: NonNullable<CompleteRestoreOptions["self"]>): boolean {
  const record = self.recorded();
  return record !== undefined && record.address === self.address &&
    record.grpcAddress === self.grpcAddress;
}

/** Writes this node's `Node` record as ready (see module doc). */
async function recordSelf(options: CompleteRestoreOptions): Promise<void> {
  const self = options.self!;
  await options.submit({
    $case: "nodeJoin",
    value: {
      hostname: self.hostname,
      address: self.address,
      serverCertFingerprint: "",
      wireguardPubkey: new Uint8Array(),
      grpcAddress: self.grpcAddress,
    },
  }, systemIdentity);
  await options.submit({
    $case: "nodeStatusUpdate",
    value: {
      hostname: self.hostname,
      status: NodeStatus.NODE_STATUS_READY,
      details: { reason: "restored" },
      cpuPressure: 0,
      memoryPressure: 0,
      includePressure: false,
    },
  }, systemIdentity);
}
