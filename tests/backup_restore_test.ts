/**
 * End to end: `jaco backup` from a real `jacod`, `jaco restore` into a fresh data dir, and a
 * second `jacod` booting there as the single voter of the original cluster — same cluster id,
 * the tokens still authenticate (hashes restored), `restore_completed` audited on first boot —
 * plus the refusal to restore over existing raft state.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  clusterStatus,
  daemonSetup,
  jaco,
  pollUntil,
  startDaemon,
  stopDaemon,
  waitForSocket,
} from "./_daemon.ts";

const nodeName = "node-backup";

interface AuditJson {
  type: string;
  identity?: string;
  payload?: Record<string, string>;
}

async function auditEvents(socket: string, types: string): Promise<AuditJson[]> {
  const run = await jaco(["audit", "--type", types, "-o", "json", "--socket", socket]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as AuditJson[];
}

Deno.test({
  name: "jaco backup/restore: a restored node boots the same cluster with its tokens and audit",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const first = await daemonSetup(nodeName, "jaco-backup-a-");
    const second = await daemonSetup(nodeName, "jaco-backup-b-");
    const archive = `${first.dir}/cluster.tgz`;
    let daemon = startDaemon(first.configPath);
    try {
      await waitForSocket(first.socket);
      const init = await jaco(["cluster", "init", "--socket", first.socket, "--no-systemd-enable"]);
      assert.equal(init.code, 0, init.stderr);
      const clusterId = /cluster_id: +([0-9a-f-]{36})/.exec(init.stdout)?.[1];
      const issued = await jaco(["token", "issue", "alice", "--socket", first.socket]);
      assert.equal(issued.code, 0, issued.stderr);
      const token = /([0-9a-f]{64})\n$/.exec(issued.stdout)?.[1];
      assert.ok(token, issued.stdout);

      const backup = await jaco(["backup", "--output", archive, "--socket", first.socket]);
      assert.equal(backup.code, 0, backup.stderr);
      const size = (await Deno.stat(archive)).size;
      assert.equal(backup.stdout, `Wrote ${size} bytes to ${archive}\n`);
      assert.ok(size > 0);
      assert.equal((await Deno.stat(archive)).mode! & 0o777, 0o600);
      const taken = await auditEvents(first.socket, "backup_taken");
      assert.equal(taken.length, 1);
      assert.equal(taken[0].identity, "local");
      assert.match(taken[0].payload?.snapshot_index ?? "", /^[1-9]\d*$/);
      await stopDaemon(daemon, "SIGTERM");

      const over = await jaco([
        "restore",
        "--input",
        archive,
        "--name",
        nodeName,
        "--data-dir",
        first.dataDir,
      ]);
      assert.equal(over.code, 1);
      assert.match(over.stderr, /cluster_already_initialized: .*raft\/log\.db/);

      const restored = await jaco(["restore", "--input", archive, "--name", nodeName], {
        JACO_DATA_DIR: second.dataDir,
      });
      assert.equal(restored.code, 0, restored.stderr);
      assert.equal(
        restored.stdout,
        `Restored into ${second.dataDir}; start jacod to bring node ${nodeName} online.\n`,
      );
      const marker = await Deno.readTextFile(`${second.dataDir}/restore.txt`);
      assert.match(marker, new RegExp(`^cluster_id=${clusterId ?? "[0-9a-f-]{36}"}\\n`));

      daemon = startDaemon(second.configPath);
      await waitForSocket(second.socket);
      const status = await pollUntil("restored node leads", async () => {
        const now = await clusterStatus(second.socket);
        return now.initialized && now.leader === nodeName ? now : undefined;
      }, { timeoutMs: 20_000, pollMs: 100 });
      assert.deepEqual(status.nodes.map((node) => node.hostname), [nodeName]);

      const completed = await pollUntil("restore_completed audited", async () => {
        const events = await auditEvents(second.socket, "restore_completed");
        return events.length > 0 ? events : undefined;
      }, { timeoutMs: 20_000, pollMs: 200 });
      assert.equal(completed.length, 1);
      assert.equal(completed[0].identity, "system");
      assert.equal(completed[0].payload?.snapshot_index, taken[0].payload?.snapshot_index);
      if (clusterId) assert.equal(completed[0].payload?.cluster_id, clusterId);
      await pollUntil("marker renamed", async () => {
        try {
          await Deno.stat(`${second.dataDir}/restore.txt`);
          return undefined;
        } catch {
          return true;
        }
      }, { timeoutMs: 5_000, pollMs: 50 });
      await Deno.stat(`${second.dataDir}/restore.txt.done`);
      // The history before the backup came along.
      assert.equal((await auditEvents(second.socket, "token_issue")).length, 1);

      const listed = await jaco([
        "token",
        "list",
        "--server",
        `127.0.0.1:${second.grpcPort}`,
        "--ca-cert",
        `${second.dataDir}/node/ca.crt`,
        "--token",
        token,
      ]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /\nalice /);
      assert.match(listed.stdout, /\nbootstrap /);

      // The restored leader backs up again over TLS with the restored token.
      const again = `${second.dir}/again.tgz`;
      const overTls = await jaco([
        "backup",
        "--output",
        again,
        "--server",
        `127.0.0.1:${second.grpcPort}`,
        "--ca-cert",
        `${second.dataDir}/node/ca.crt`,
        "--token",
        token,
      ]);
      assert.equal(overTls.code, 0, overTls.stderr);
      assert.equal(overTls.stdout, `Wrote ${(await Deno.stat(again)).size} bytes to ${again}\n`);
      // The first backup's own event was committed after its snapshot, so it is not restored.
      const byAlice = await auditEvents(second.socket, "backup_taken");
      assert.deepEqual(byAlice.map((event) => event.identity), ["alice"]);
    } finally {
      await stopDaemon(daemon, "SIGTERM");
      await Deno.remove(first.dir, { recursive: true });
      await Deno.remove(second.dir, { recursive: true });
    }
  },
});
