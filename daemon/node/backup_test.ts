import assert from "node:assert/strict";
import { AuditEventType, type BackupChunk, Command } from "../../proto/mod.ts";
import { isJacoError } from "../../proto/errors.ts";
import { BACKUP_CHUNK_BYTES, readBackupArchive } from "../backup/mod.ts";
import { type BackupDeps, takeBackup } from "./backup.ts";
import { initializedState, raftStatus } from "./_backup_kit_test.ts";
import { ClusterState } from "../../state/mod.ts";

const now = new Date("2026-06-01T12:00:00.250Z");

function deps(overrides: Partial<BackupDeps> & Pick<BackupDeps, "state">): BackupDeps {
  return {
    self: "alpha",
    raftStatus: () => raftStatus("leader", 5),
    raftAddress: "10.0.0.1:7001",
    jacoVersion: "0.1.0",
    submit: () => Promise.resolve({ raftIndex: 2 }),
    now: () => now,
    warn: () => {},
    ...overrides,
  };
}

async function collect(stream: AsyncIterable<BackupChunk>): Promise<BackupChunk[]> {
  const chunks: BackupChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function concat(chunks: BackupChunk[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.data.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk.data, at);
    at += chunk.data.length;
  }
  return out;
}

Deno.test("takeBackup() streams an archive of the state at the applied index and audits it", async () => {
  const { state, clusterId } = await initializedState();
  const submitted: { payload: Command["payload"]; identity: string }[] = [];
  const chunks = await collect(takeBackup(
    deps({
      state: () => state,
      submit: (payload, identity) => {
        submitted.push({ payload, identity });
        return Promise.resolve({ raftIndex: 2 });
      },
    }),
    "alice",
  ));
  assert.ok(chunks.length >= 1);
  assert.ok(chunks.every((chunk) => chunk.data.length <= BACKUP_CHUNK_BYTES));
  const { meta, snapshot } = await readBackupArchive(concat(chunks), { runningVersion: "0.9.0" });
  assert.deepEqual(meta, {
    clusterId,
    snapshotIndex: 1,
    snapshotTerm: 5,
    jacoVersion: "0.1.0",
    takenAt: "2026-06-01T12:00:00Z",
    leaderAtSnapshot: "10.0.0.1:7001",
  });
  const copy = new ClusterState();
  copy.restore(snapshot, meta.snapshotIndex);
  assert.equal(copy.view().clusterMeta()?.clusterId, clusterId);
  assert.equal(submitted.length, 1);
  assert.equal(submitted[0].identity, "alice");
  const payload = submitted[0].payload;
  assert.equal(payload?.$case, "auditAppend");
  if (payload?.$case !== "auditAppend") return;
  assert.equal(payload.value.event?.type, AuditEventType.AUDIT_EVENT_TYPE_BACKUP_TAKEN);
  assert.deepEqual(payload.value.event?.payload, { snapshot_index: "1" });
});

Deno.test("takeBackup() splits an archive larger than 64 KiB into full chunks and a tail", async () => {
  const { state } = await initializedState();
  // Incompressible audit payloads push the archive past one chunk.
  const random = crypto.getRandomValues(new Uint8Array(60_000));
  const noise = Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("");
  const append = Command.encode(Command.fromPartial({
    identity: "local",
    ts: now,
    payload: {
      $case: "auditAppend",
      value: {
        event: { type: AuditEventType.AUDIT_EVENT_TYPE_BACKUP_TAKEN, payload: { noise } },
      },
    },
  })).finish();
  assert.equal(state.apply(append, 2).status, "applied");
  const chunks = await collect(takeBackup(deps({ state: () => state }), "local"));
  assert.ok(chunks.length >= 2);
  assert.ok(chunks.slice(0, -1).every((chunk) => chunk.data.length === BACKUP_CHUNK_BYTES));
  const { meta } = await readBackupArchive(concat(chunks), { runningVersion: "0.1.0" });
  assert.equal(meta.snapshotIndex, 2);
});

Deno.test("takeBackup() on a follower answers no_leader naming the leader", async () => {
  const { state } = await initializedState();
  await assert.rejects(
    collect(
      takeBackup(deps({ state: () => state, raftStatus: () => raftStatus("follower") }), "x"),
    ),
    (error) => isJacoError(error) && error.code === "no_leader" && error.details.leader === "beta",
  );
});

Deno.test("takeBackup() before init or before cluster meta is refused", async () => {
  await assert.rejects(
    collect(
      takeBackup(deps({ state: () => new ClusterState(), raftStatus: () => undefined }), "x"),
    ),
    (error) => isJacoError(error) && error.code === "cluster_uninitialized",
  );
  await assert.rejects(
    collect(takeBackup(deps({ state: () => new ClusterState() }), "x")),
    (error) => isJacoError(error) && error.code === "no_cluster",
  );
});

Deno.test("takeBackup() still delivers the archive when the audit submit fails", async () => {
  const { state } = await initializedState();
  const warnings: string[] = [];
  const chunks = await collect(takeBackup(
    deps({
      state: () => state,
      submit: () => Promise.reject(new Error("raft is gone")),
      warn: (message, attributes) => warnings.push(`${message}: ${attributes.error}`),
    }),
    "local",
  ));
  assert.ok(chunks.length >= 1);
  assert.deepEqual(warnings, ["backup taken but its audit event was not committed: raft is gone"]);
});
