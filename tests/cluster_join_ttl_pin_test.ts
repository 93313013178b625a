/**
 * End to end on two real `jacod` processes (127.0.0.1): a join token minted with `--ttl 1s` and
 * used after it expired is refused with `join_token_expired` and leaves the joiner's data dir
 * without raft or node files; a wrong `--ca-fingerprint` is refused by the joining daemon itself
 * (`validation_failed`, reason `ca_fingerprint_mismatch`) before the token reaches the peer — the
 * same token then still works with the right pin.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type ClusterMember,
  clusterStatus,
  daemonSetup,
  jaco,
  pollUntil,
  startDaemon,
  stopDaemon,
  waitForSocket,
} from "./_daemon.ts";

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) {
      for await (const inner of Deno.readDir(`${dir}/${entry.name}`)) {
        names.push(`${entry.name}/${inner.name}`);
      }
    } else names.push(entry.name);
  }
  return names.sort();
}

Deno.test({
  name:
    "node join: an expired --ttl token is join_token_expired and leaves the data dir clean; a wrong pin never sends the token",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const members: ClusterMember[] = [];
    try {
      for (const name of ["node-1", "node-2"]) {
        const setup = await daemonSetup(name, "jaco-join-ttl-");
        members.push({ name, setup, daemon: startDaemon(setup.configPath) });
      }
      const [one, two] = members;
      await Promise.all(members.map((member) => waitForSocket(member.setup.socket)));
      const init = await jaco([
        "cluster",
        "init",
        "--socket",
        one.setup.socket,
        "--no-systemd-enable",
      ]);
      assert.equal(init.code, 0, init.stderr);
      const before = await entries(two.setup.dataDir);

      const short = await jaco([
        "node",
        "issue-join-token",
        "--ttl",
        "1s",
        "-o",
        "json",
        "--socket",
        one.setup.socket,
      ]);
      assert.equal(short.code, 0, short.stderr);
      const issued = JSON.parse(short.stdout);
      assert.equal(issued.ttl_seconds, 1);
      // Wait for the expiry itself (not an assertion): the token must be past expires_at.
      const expiresAt = Date.parse(issued.expires_at);
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 1200)
      );
      const late = await jaco([
        "node",
        "join",
        `--peer=127.0.0.1:${one.setup.grpcPort}`,
        `--token=${issued.token}`,
        `--ca-fingerprint=${issued.ca_fingerprint}`,
        `--socket=${two.setup.socket}`,
        "--no-systemd-enable",
      ]);
      assert.equal(late.code, 1);
      assert.match(late.stderr, /^Error: join_token_expired: /);
      assert.deepEqual(await entries(two.setup.dataDir), before);

      const outOfRange = await jaco([
        "node",
        "issue-join-token",
        "--ttl",
        "25h",
        "--socket",
        one.setup.socket,
      ]);
      assert.equal(outOfRange.code, 1);
      assert.match(outOfRange.stderr, /^Error: validation_failed: --ttl "25h"/);

      const fresh = JSON.parse(
        (await jaco(["node", "issue-join-token", "-o", "json", "--socket", one.setup.socket]))
          .stdout,
      );
      const wrongPin = await jaco([
        "node",
        "join",
        `--peer=127.0.0.1:${one.setup.grpcPort}`,
        `--token=${fresh.token}`,
        `--ca-fingerprint=${"ab".repeat(32)}`,
        `--socket=${two.setup.socket}`,
        "--no-systemd-enable",
        "-v",
      ]);
      assert.equal(wrongPin.code, 1);
      assert.match(wrongPin.stderr, /^Error: validation_failed: peer presented no ca/m);
      assert.match(wrongPin.stderr, /reason=ca_fingerprint_mismatch/);
      assert.deepEqual(await entries(two.setup.dataDir), before);

      const joined = await jaco([
        "node",
        "join",
        `--peer=127.0.0.1:${one.setup.grpcPort}`,
        `--token=${fresh.token}`,
        `--ca-fingerprint=${fresh.ca_fingerprint}`,
        `--socket=${two.setup.socket}`,
        "--no-systemd-enable",
      ]);
      assert.equal(joined.code, 0, joined.stderr);
      await pollUntil("node-2 listed as ready", async () => {
        const status = await clusterStatus(one.setup.socket);
        return status.nodes.some((node) => node.hostname === "node-2" && node.status === "ready")
          ? true
          : undefined;
      }, { timeoutMs: 20_000, pollMs: 200 });
    } finally {
      for (const member of members) await stopDaemon(member.daemon, "SIGTERM");
      for (const member of members) await Deno.remove(member.setup.dir, { recursive: true });
    }
  },
});
