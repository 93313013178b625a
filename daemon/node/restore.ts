/**
 * `jaco restore` (cluster.md §8.2), offline: validates the archive and the data dir (every
 * refusal happens before anything is written), then seeds `<data_dir>` so `jacod` boots as the
 * single voter `name` of the original cluster: the raft snapshot (index/term from `meta.json`,
 * configuration `{voters: [name]}`) in a fresh log store, this node's key and certificate signed
 * by the cluster CA from the snapshot, and `restore.txt` last.
 *
 * Decisions where the spec is silent:
 * - The node certificate is minted here because the daemon needs it to open raft, before state
 *   is loaded. Its IP SANs are this host's usable addresses plus `127.0.0.1` and `::1`: restore
 *   runs offline and cannot know which address `jacod` will bind, and loopback always reaches
 *   this node (init, which knows the listener, names it instead).
 * - Writing the snapshot with a single-voter configuration and a hard state at its term is the
 *   cluster recovery: nothing else of the old membership survives.
 * - A failure after writing began removes `raft/` and `node/` again, so the restore can rerun.
 *
 * @module
 */
import { JacoError } from "../../proto/errors.ts";
import { SqliteStorage } from "../../raft/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import { type BackupMeta, planRestore, readBackupArchive, restoreMarker } from "../backup/mod.ts";
import { type LocalInterface, usableLocalIps } from "../local_ips.ts";
import { dataDirLayout, ensureDataDir, ensureRaftDir, writeNodeTls } from "./data_dir.ts";

/** Inputs of {@link restoreDataDir}. */
export interface RestoreOptions {
  /** The backup archive bytes. */
  archive: Uint8Array;
  /** Absolute data dir to seed. */
  dataDir: string;
  /** This node's name (raft id, certificate name). */
  name: string;
  /** Version of the running binary (major must match the backup's). */
  runningVersion: string;
  /** Host interfaces (certificate IP SANs). */
  interfaces: readonly LocalInterface[];
  /** Clock. */
  now: Date;
}

/**
 * Seeds `dataDir` from a backup; resolves with the archive's metadata.
 *
 * @throws {JacoError} `validation_failed` for every archive refusal, `cluster_already_initialized`
 *   when `raft/log.db` exists, `no_cluster` when the snapshot holds no cluster metadata
 * @example
 * ```ts
 * const meta = await restoreDataDir({ archive, dataDir: "/var/lib/jaco", name: "node-1", runningVersion: "0.1.0", interfaces: Deno.networkInterfaces(), now: new Date() });
 * ```
 */
export async function restoreDataDir(options: RestoreOptions): Promise<BackupMeta> {
  const { meta, snapshot } = await readBackupArchive(options.archive, {
    runningVersion: options.runningVersion,
  });
  const plan = await planRestore({ dataDir: options.dataDir, exists: pathExists });
  const state = new ClusterState();
  state.restore(snapshot, meta.snapshotIndex);
  const clusterMeta = state.view().clusterMeta();
  if (!clusterMeta || clusterMeta.clusterId !== meta.clusterId) {
    throw new JacoError(
      "validation_failed",
      `snapshot.bin does not hold cluster ${meta.clusterId}`,
      { field: "snapshot.bin", cluster_id: meta.clusterId },
    );
  }
  const decoder = new TextDecoder();
  const caPem = decoder.decode(clusterMeta.caCert);
  const { createNodeKeyAndCsr, signNodeCsr } = await import("../pki.ts"); // lazy: ~10 MB
  const { keyPem, csrPem } = await createNodeKeyAndCsr({
    hostname: options.name,
    ips: [...usableLocalIps(options.interfaces), "127.0.0.1", "::1"],
  });
  const certPem = await signNodeCsr({
    caCertPem: caPem,
    caKeyPem: decoder.decode(clusterMeta.caKey),
    csrPem,
    now: options.now,
    expectedHostname: options.name,
  });
  const layout = dataDirLayout(plan.dataDir);
  await ensureDataDir(layout);
  try {
    await writeNodeTls(layout, options.name, { caPem, certPem, keyPem });
    await ensureRaftDir(layout);
    const storage = await SqliteStorage.open({ dir: layout.raftDir });
    try {
      await storage.persist({
        hardState: { term: meta.snapshotTerm, vote: "", commit: meta.snapshotIndex },
        entries: [],
        snapshot: {
          meta: {
            index: meta.snapshotIndex,
            term: meta.snapshotTerm,
            conf: { voters: [options.name], learners: [] },
          },
          data: snapshot,
        },
      });
    } finally {
      await storage.close();
    }
    await Deno.writeTextFile(plan.markerPath, restoreMarker(meta, options.now), { mode: 0o600 });
  } catch (error) {
    await Deno.remove(layout.raftDir, { recursive: true }).catch(() => undefined);
    await Deno.remove(layout.nodeDir, { recursive: true }).catch(() => undefined);
    throw error;
  }
  return meta;
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
