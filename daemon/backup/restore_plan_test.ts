import assert from "node:assert/strict";
import { planRestore } from "./restore_plan.ts";
import { assertJacoError } from "./_kit_test.ts";

function fakeFs(paths: string[]) {
  const asked: string[] = [];
  return {
    asked,
    exists: (path: string) => {
      asked.push(path);
      return paths.includes(path);
    },
  };
}

Deno.test("planRestore() lays out raft/, raft/log.db and restore.txt inside the data dir", async () => {
  const fs = fakeFs(["/var/lib/jaco", "/var/lib/jaco/wg.key"]);
  assert.deepEqual(await planRestore({ dataDir: "/var/lib/jaco", exists: fs.exists }), {
    dataDir: "/var/lib/jaco",
    raftDir: "/var/lib/jaco/raft",
    logDbPath: "/var/lib/jaco/raft/log.db",
    markerPath: "/var/lib/jaco/restore.txt",
  });
  assert.deepEqual(fs.asked, ["/var/lib/jaco/raft/log.db"]);
});

Deno.test("planRestore() normalises trailing slashes and the root directory", async () => {
  const exists = () => false;
  assert.equal(
    (await planRestore({ dataDir: "/srv/jaco//", exists })).logDbPath,
    "/srv/jaco/raft/log.db",
  );
  assert.equal((await planRestore({ dataDir: "/", exists })).markerPath, "/restore.txt");
});

Deno.test("planRestore() refuses when raft/log.db exists, with an async exists too", async () => {
  for (
    const exists of [
      fakeFs(["/d/raft/log.db"]).exists,
      (path: string) => Promise.resolve(path === "/d/raft/log.db"),
    ]
  ) {
    await assert.rejects(
      () => planRestore({ dataDir: "/d/", exists }),
      (error) =>
        assertJacoError(error, {
          code: "cluster_already_initialized",
          message: "refusing to overwrite existing state: /d/raft/log.db exists",
          details: { reason: "existing_state", path: "/d/raft/log.db" },
        }),
    );
  }
});

Deno.test("planRestore() lets an existing raft/ directory without log.db through", async () => {
  const plan = await planRestore({
    dataDir: "/d",
    exists: fakeFs(["/d/raft", "/d/raft/snapshots"]).exists,
  });
  assert.equal(plan.raftDir, "/d/raft");
});

Deno.test("planRestore() refuses an empty or relative data dir before touching the disk", async () => {
  for (const dataDir of ["", "var/lib/jaco", "./jaco"]) {
    const fs = fakeFs([]);
    await assert.rejects(
      () => planRestore({ dataDir, exists: fs.exists }),
      (error) =>
        assertJacoError(error, {
          code: "validation_failed",
          message: /^data_dir must be an absolute path/,
          details: { field: "data_dir" },
        }),
    );
    assert.deepEqual(fs.asked, []);
  }
});
