import assert from "node:assert/strict";
import { isJacoError } from "../../proto/errors.ts";
import { SqliteStorage } from "../../raft/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import { verifyIssuedBy } from "../pki.ts";
import { parseRestoreMarker, writeBackupArchive } from "../backup/mod.ts";
import { restoreDataDir } from "./restore.ts";
import { initializedState } from "./_backup_kit_test.ts";

const now = new Date("2026-06-02T08:00:00Z");

async function archiveOf(
  state: ClusterState,
  clusterId: string,
  jacoVersion = "0.1.0",
): Promise<Uint8Array> {
  return await writeBackupArchive({
    snapshot: state.snapshot(),
    now,
    meta: {
      clusterId,
      snapshotIndex: 1,
      snapshotTerm: 4,
      jacoVersion,
      takenAt: "2026-06-01T12:00:00Z",
      leaderAtSnapshot: "10.0.0.1:7001",
    },
  });
}

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("restoreDataDir() seeds a single-voter raft snapshot, a CA-signed node cert and the marker", async () => {
  const { state, clusterId } = await initializedState();
  const dataDir = await Deno.makeTempDir();
  try {
    const meta = await restoreDataDir({
      archive: await archiveOf(state, clusterId),
      dataDir,
      name: "gamma",
      runningVersion: "0.2.0",
      interfaces: [],
      now,
    });
    assert.equal(meta.clusterId, clusterId);
    assert.deepEqual(await entries(dataDir), ["node", "raft", "restore.txt"]);
    assert.equal((await Deno.stat(`${dataDir}/raft`)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(`${dataDir}/restore.txt`)).mode! & 0o777, 0o600);
    const marker = parseRestoreMarker(await Deno.readTextFile(`${dataDir}/restore.txt`));
    assert.deepEqual(marker, {
      clusterId,
      snapshotIndex: 1,
      takenAt: "2026-06-01T12:00:00Z",
      importedAt: "2026-06-02T08:00:00Z",
    });

    const storage = await SqliteStorage.open({ dir: `${dataDir}/raft` });
    try {
      const loaded = await storage.load();
      assert.deepEqual(loaded.snapshot?.meta, {
        index: 1,
        term: 4,
        conf: { voters: ["gamma"], learners: [] },
      });
      assert.deepEqual(loaded.hardState, { term: 4, vote: "", commit: 1 });
      assert.deepEqual(loaded.entries, []);
      const copy = new ClusterState();
      copy.restore(loaded.snapshot!.data, 1);
      assert.equal(copy.view().clusterMeta()?.clusterId, clusterId);
    } finally {
      await storage.close();
    }

    const caPem = await Deno.readTextFile(`${dataDir}/node/ca.crt`);
    const certPem = await Deno.readTextFile(`${dataDir}/node/gamma.crt`);
    assert.equal(caPem, new TextDecoder().decode(state.view().clusterMeta()!.caCert));
    assert.equal(await verifyIssuedBy(certPem, caPem), true);
    assert.equal((await Deno.stat(`${dataDir}/node/gamma.key`)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("restoreDataDir() refuses existing raft state and writes nothing", async () => {
  const { state, clusterId } = await initializedState();
  const dataDir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dataDir}/raft`);
    await Deno.writeTextFile(`${dataDir}/raft/log.db`, "existing");
    await assert.rejects(
      restoreDataDir({
        archive: await archiveOf(state, clusterId),
        dataDir,
        name: "gamma",
        runningVersion: "0.1.0",
        interfaces: [],
        now,
      }),
      (error) => isJacoError(error) && error.code === "cluster_already_initialized",
    );
    assert.deepEqual(await entries(dataDir), ["raft"]);
    assert.deepEqual(await entries(`${dataDir}/raft`), ["log.db"]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("restoreDataDir() refuses a bad archive, another major version or a bad name before writing", async () => {
  const { state, clusterId } = await initializedState();
  const dataDir = await Deno.makeTempDir();
  const options = { dataDir, name: "gamma", runningVersion: "0.1.0", interfaces: [], now };
  try {
    await assert.rejects(
      restoreDataDir({ ...options, archive: new TextEncoder().encode("not a gzip") }),
      (error) => isJacoError(error) && error.code === "validation_failed",
    );
    await assert.rejects(
      restoreDataDir({ ...options, archive: await archiveOf(state, clusterId, "1.0.0") }),
      (error) => isJacoError(error) && /incompatible version/.test(error.message),
    );
    await assert.rejects(
      restoreDataDir({
        ...options,
        archive: await archiveOf(state, "00000000-0000-4000-8000-000000000000"),
      }),
      (error) => isJacoError(error) && error.details.field === "snapshot.bin",
    );
    await assert.rejects(
      restoreDataDir({
        ...options,
        name: "not a host",
        archive: await archiveOf(state, clusterId),
      }),
      (error) => isJacoError(error) && error.code === "validation_failed",
    );
    assert.deepEqual(await entries(dataDir), []);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
