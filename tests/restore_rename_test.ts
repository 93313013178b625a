/**
 * End to end on a real `jacod`: a backup of a cluster whose node is `node-a`, restored with
 * `jaco restore --name node-b` into the data dir of a daemon configured as `node-b`, boots with
 * its own `Node` record (ready, leader) and none of the old one; two fresh nodes then join it
 * and all three become ready voters (the joiners learn its raft address from that record).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  clusterStatus,
  type Daemon,
  daemonSetup,
  issueJoinToken,
  jaco,
  pollUntil,
  startDaemon,
  stopDaemon,
  waitForSocket,
} from "./_daemon.ts";

Deno.test({
  name:
    "jaco restore --name <other>: the restored node boots with its own ready Node record and fresh nodes join it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const first = await daemonSetup("node-a", "jaco-restore-rename-a-");
    const second = await daemonSetup("node-b", "jaco-restore-rename-b-");
    const archive = `${first.dir}/cluster.tgz`;
    let daemon = startDaemon(first.configPath);
    const joiners: { dir: string; daemon: Daemon }[] = [];
    try {
      await waitForSocket(first.socket);
      const init = await jaco(["cluster", "init", "--socket", first.socket, "--no-systemd-enable"]);
      assert.equal(init.code, 0, init.stderr);
      const backup = await jaco(["backup", "--output", archive, "--socket", first.socket]);
      assert.equal(backup.code, 0, backup.stderr);
      await stopDaemon(daemon, "SIGTERM");

      const restored = await jaco(["restore", "--input", archive, "--name", "node-b"], {
        JACO_DATA_DIR: second.dataDir,
      });
      assert.equal(restored.code, 0, restored.stderr);
      daemon = startDaemon(second.configPath);
      await waitForSocket(second.socket);
      const status = await pollUntil("node-b leads and lists itself ready", async () => {
        const now = await clusterStatus(second.socket);
        const names = now.nodes.map((node) => `${node.hostname}:${node.status}`).join(",");
        return now.leader === "node-b" && names === "node-b:ready" ? now : undefined;
      }, { timeoutMs: 20_000, pollMs: 200 });
      assert.deepEqual(status.nodes.map((node) => node.hostname), ["node-b"]);
      const write = await jaco(["token", "issue", "after-restore", "--socket", second.socket]);
      assert.equal(write.code, 0, write.stderr);

      for (const name of ["node-c", "node-d"]) {
        const setup = await daemonSetup(name, `jaco-restore-rename-${name}-`);
        joiners.push({ dir: setup.dir, daemon: startDaemon(setup.configPath) });
        await waitForSocket(setup.socket);
        const { token, fingerprint } = await issueJoinToken(second.socket);
        const joined = await jaco([
          "node",
          "join",
          `--peer=127.0.0.1:${second.grpcPort}`,
          `--token=${token}`,
          `--ca-fingerprint=${fingerprint}`,
          `--socket=${setup.socket}`,
          "--no-systemd-enable",
        ]);
        assert.equal(joined.code, 0, joined.stderr);
      }
      await pollUntil("three ready voters", async () => {
        const now = await clusterStatus(second.socket);
        const voters = now.nodes.filter((node) =>
          node.status === "ready" && node.suffrage === "voter"
        );
        return voters.length === 3 ? true : undefined;
      }, { timeoutMs: 30_000, pollMs: 250 });
      const afterJoin = await jaco(["token", "issue", "after-join", "--socket", second.socket]);
      assert.equal(afterJoin.code, 0, afterJoin.stderr);
    } finally {
      for (const joiner of joiners) await stopDaemon(joiner.daemon, "SIGTERM");
      for (const joiner of joiners) await Deno.remove(joiner.dir, { recursive: true });
      await stopDaemon(daemon, "SIGTERM");
      await Deno.remove(first.dir, { recursive: true });
      await Deno.remove(second.dir, { recursive: true });
    }
  },
});
