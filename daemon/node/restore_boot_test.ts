import assert from "node:assert/strict";
import { AuditEventType, type Command, NodeStatus } from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import { restoreMarker } from "../backup/mod.ts";
import { completeRestore, type CompleteRestoreOptions } from "./restore_boot.ts";
import { textLogger } from "./log.ts";

const marker = restoreMarker({
  clusterId: "6f1c2e0a-5b7d-4c1e-9a3f-0d2b4c6e8f10",
  snapshotIndex: 42,
  takenAt: "2026-06-01T12:00:00Z",
}, new Date("2026-06-02T08:00:00Z"));

async function withMarker(
  text: string | undefined,
  run: (markerPath: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const markerPath = `${dir}/restore.txt`;
    if (text !== undefined) await Deno.writeTextFile(markerPath, text);
    await run(markerPath);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function options(
  markerPath: string,
  submit: CompleteRestoreOptions["submit"],
): CompleteRestoreOptions {
  return {
    markerPath,
    submit,
    formerMembers: () => [],
    stopped: () => false,
    sleep: () => Promise.resolve(),
    log: textLogger({ level: "error", write: () => {} }),
  };
}

Deno.test("completeRestore() audits restore_completed as system and renames the marker", async () => {
  await withMarker(marker, async (markerPath) => {
    const submitted: { payload: Command["payload"]; identity: string }[] = [];
    const done = await completeRestore(options(markerPath, (payload, identity) => {
      submitted.push({ payload, identity });
      return Promise.resolve({ raftIndex: 43 });
    }));
    assert.equal(done, true);
    assert.equal(submitted.length, 1);
    assert.equal(submitted[0].identity, "system");
    const payload = submitted[0].payload;
    assert.equal(payload?.$case, "auditAppend");
    if (payload?.$case !== "auditAppend") return;
    assert.equal(payload.value.event?.type, AuditEventType.AUDIT_EVENT_TYPE_RESTORE_COMPLETED);
    assert.deepEqual(payload.value.event?.payload, {
      cluster_id: "6f1c2e0a-5b7d-4c1e-9a3f-0d2b4c6e8f10",
      snapshot_index: "42",
      taken_at: "2026-06-01T12:00:00Z",
    });
    await assert.rejects(Deno.stat(markerPath), Deno.errors.NotFound);
    assert.equal(await Deno.readTextFile(`${markerPath}.done`), marker);
  });
});

Deno.test("completeRestore() without a marker does nothing", async () => {
  await withMarker(undefined, async (markerPath) => {
    let calls = 0;
    const done = await completeRestore(options(markerPath, () => {
      calls++;
      return Promise.resolve({ raftIndex: 1 });
    }));
    assert.equal(done, false);
    assert.equal(calls, 0);
  });
});

Deno.test("completeRestore() retries while there is no leader and keeps the marker if it never commits", async () => {
  await withMarker(marker, async (markerPath) => {
    let calls = 0;
    const noLeader = () => {
      calls++;
      return Promise.reject(new JacoError("no_leader", "no leader"));
    };
    const done = await completeRestore({ ...options(markerPath, noLeader), attempts: 3 });
    assert.equal(done, false);
    assert.equal(calls, 3);
    assert.equal(await Deno.readTextFile(markerPath), marker);
  });
  await withMarker(marker, async (markerPath) => {
    let calls = 0;
    const done = await completeRestore(options(markerPath, () => {
      calls++;
      return calls < 3
        ? Promise.reject(new JacoError("no_leader", "no leader"))
        : Promise.resolve({ raftIndex: 9 });
    }));
    assert.equal(done, true);
    assert.equal(calls, 3);
  });
});

Deno.test("completeRestore() reports a marker that does not parse and leaves it in place", async () => {
  await withMarker("cluster_id=x\n", async (markerPath) => {
    await assert.rejects(
      completeRestore(options(markerPath, () => Promise.resolve({ raftIndex: 1 }))),
      (error) => error instanceof JacoError && error.code === "validation_failed",
    );
    assert.equal(await Deno.readTextFile(markerPath), "cluster_id=x\n");
  });
});

Deno.test("completeRestore() removes the other former members before auditing", async () => {
  await withMarker(marker, async (markerPath) => {
    const submitted: string[] = [];
    const done = await completeRestore({
      ...options(markerPath, (payload) => {
        submitted.push(
          payload?.$case === "nodeRemove" ? `remove ${payload.value.hostname}` : payload!.$case,
        );
        return Promise.resolve({ raftIndex: 1 });
      }),
      formerMembers: () => ["beta", "gamma"],
    });
    assert.equal(done, true);
    assert.deepEqual(submitted, ["remove beta", "remove gamma", "auditAppend"]);
  });
});

Deno.test("completeRestore() records this node as ready when it was restored under another name", async () => {
  await withMarker(marker, async (markerPath) => {
    const submitted: Command["payload"][] = [];
    const done = await completeRestore({
      ...options(markerPath, (payload) => {
        submitted.push(payload);
        return Promise.resolve({ raftIndex: 1 });
      }),
      formerMembers: () => ["alpha"],
      self: {
        hostname: "omega",
        address: "10.0.0.9:7001",
        grpcAddress: "10.0.0.9:7000",
        recorded: () => undefined,
      },
    });
    assert.equal(done, true);
    assert.deepEqual(submitted.map((payload) => payload?.$case), [
      "nodeJoin",
      "nodeStatusUpdate",
      "nodeRemove",
      "auditAppend",
    ]);
    const join = submitted[0]?.$case === "nodeJoin" ? submitted[0].value : undefined;
    assert.equal(join?.hostname, "omega");
    assert.equal(join?.address, "10.0.0.9:7001");
    assert.equal(join?.grpcAddress, "10.0.0.9:7000");
    const ready = submitted[1]?.$case === "nodeStatusUpdate" ? submitted[1].value : undefined;
    assert.equal(ready?.status, NodeStatus.NODE_STATUS_READY);
  });
});

Deno.test("completeRestore() writes no Node record when this node already has one", async () => {
  await withMarker(marker, async (markerPath) => {
    const cases: string[] = [];
    await completeRestore({
      ...options(markerPath, (payload) => {
        cases.push(payload!.$case);
        return Promise.resolve({ raftIndex: 1 });
      }),
      self: {
        hostname: "alpha",
        address: "a:1",
        grpcAddress: "a:2",
        recorded: () => ({ address: "a:1", grpcAddress: "a:2" }),
      },
    });
    assert.deepEqual(cases, ["auditAppend"]);
  });
});

Deno.test("completeRestore() rewrites this node's record when it carries another host's addresses", async () => {
  await withMarker(marker, async (markerPath) => {
    const cases: string[] = [];
    await completeRestore({
      ...options(markerPath, (payload) => {
        cases.push(payload!.$case);
        return Promise.resolve({ raftIndex: 1 });
      }),
      self: {
        hostname: "alpha",
        address: "10.0.0.9:7001",
        grpcAddress: "10.0.0.9:7000",
        recorded: () => ({ address: "10.0.0.1:7001", grpcAddress: "10.0.0.1:7000" }),
      },
    });
    assert.deepEqual(cases, ["nodeJoin", "nodeStatusUpdate", "auditAppend"]);
  });
});
