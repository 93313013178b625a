/**
 * The drill of cluster.md §8 in memory: a real `ClusterState` snapshot through the archive and
 * back into a fresh state keeps the cluster identity and the bootstrap token hash.
 */
import assert from "node:assert/strict";
import { Command } from "../../proto/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import { readBackupArchive, writeBackupArchive } from "./backup_archive.ts";
import { sampleMeta } from "./_kit_test.ts";

const takenAt = new Date("2026-05-25T10:00:00Z");

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

Deno.test("readBackupArchive() restores a ClusterState snapshot with its bootstrap token", async () => {
  const clusterId = "6f1c2e0a-5b7d-4c1e-9a3f-0d2b4c6e8f10";
  const tokenHash = await sha256("a".repeat(64));
  const state = new ClusterState();
  const init = Command.encode(Command.fromPartial({
    clusterId,
    ts: takenAt,
    identity: "local",
    payload: {
      $case: "clusterInit",
      value: {
        clusterId,
        caCert: new Uint8Array([1, 2]),
        caKey: new Uint8Array([3, 4]),
        operatorTokenHashedSecret: tokenHash,
        selfHostname: "alpha",
        selfAddress: "10.0.0.1:7001",
      },
    },
  })).finish();
  assert.equal(state.apply(init, 1).status, "applied");
  const snapshot = state.snapshot();

  const archive = await writeBackupArchive({
    snapshot,
    meta: sampleMeta({ clusterId, snapshotIndex: 1, snapshotTerm: 1 }),
    now: takenAt,
  });
  const read = await readBackupArchive(archive, { runningVersion: "1.0.0" });
  const restored = new ClusterState();
  restored.restore(read.snapshot, read.meta.snapshotIndex);

  assert.deepEqual(restored.snapshot(), snapshot);
  const view = restored.view();
  assert.equal(view.clusterMeta()?.clusterId, clusterId);
  assert.deepEqual(view.token("bootstrap")?.hashedSecret, tokenHash);
  assert.equal(restored.appliedIndex, 1);
});
