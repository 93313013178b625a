/**
 * End to end: on a three-jacod cluster every operator write is accepted by a follower —
 * `jaco token issue` over a follower's socket and over `--server <follower>` (TLS, CA pinned,
 * operator token) lands on every node, and `node issue-join-token` on a follower mints a token
 * that a fourth jacod joins with, dialing that same follower (its `NodeJoin` is re-invoked on
 * the leader over mutual TLS).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type ClusterMember,
  clusterStatus,
  daemonSetup,
  formCluster,
  issueJoinToken,
  jaco,
  pollUntil,
  startDaemon,
  stopDaemon,
  tokenIdentities,
  waitForSocket,
} from "./_daemon.ts";

Deno.test({
  name:
    "cluster forward: token issue and issue-join-token on a follower succeed, and a 4th node joins",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const members: ClusterMember[] = [];
    try {
      await formCluster(["node-1", "node-2", "node-3"], "jaco-forward-", members);
      const status = await clusterStatus(members[0].setup.socket);
      const follower = members.find((member) => member.name !== status.leader)!;
      assert.ok(follower, "one member follows");

      const viaSocket = await jaco([
        "token",
        "issue",
        "via-socket",
        "--socket",
        follower.setup.socket,
      ]);
      assert.equal(viaSocket.code, 0, viaSocket.stderr);
      const operator = /: ([0-9a-f]{64})\n$/.exec(viaSocket.stdout)?.[1];
      assert.ok(operator, viaSocket.stdout);

      const viaTcp = await jaco([
        "token",
        "issue",
        "via-tcp",
        "--server",
        `127.0.0.1:${follower.setup.grpcPort}`,
        "--ca-cert",
        `${follower.setup.dataDir}/node/ca.crt`,
        "--token",
        operator,
      ]);
      assert.equal(viaTcp.code, 0, viaTcp.stderr);

      for (const member of members) {
        await pollUntil(`both tokens on ${member.name}`, async () => {
          const identities = await tokenIdentities(member.setup.socket);
          return identities.includes("via-socket") && identities.includes("via-tcp")
            ? identities
            : undefined;
        }, { timeoutMs: 10_000, pollMs: 100 });
      }

      const { token, fingerprint } = await issueJoinToken(follower.setup.socket);
      const setup = await daemonSetup("node-4", "jaco-forward-");
      members.push({ name: "node-4", setup, daemon: startDaemon(setup.configPath) });
      await waitForSocket(setup.socket);
      const joined = await jaco([
        "node",
        "join",
        `--peer=127.0.0.1:${follower.setup.grpcPort}`,
        `--token=${token}`,
        `--ca-fingerprint=${fingerprint}`,
        `--socket=${setup.socket}`,
        "--no-systemd-enable",
      ]);
      assert.equal(joined.code, 0, joined.stderr);
      const four = await pollUntil("node-4 listed as ready on the leader", async () => {
        const now = await clusterStatus(members[0].setup.socket);
        return now.nodes.some((node) => node.hostname === "node-4" && node.status === "ready")
          ? now
          : undefined;
      }, { timeoutMs: 15_000, pollMs: 200 });
      assert.equal(four.nodes.length, 4);

      const reused = await jaco([
        "node",
        "join",
        `--peer=127.0.0.1:${follower.setup.grpcPort}`,
        `--token=${token}`,
        `--ca-fingerprint=${fingerprint}`,
        `--socket=${setup.socket}`,
        "--no-systemd-enable",
      ]);
      assert.notEqual(reused.code, 0, "a joined node cannot join again");
    } finally {
      for (const member of members) {
        await stopDaemon(member.daemon, "SIGTERM").catch(() => undefined);
        await Deno.remove(member.setup.dir, { recursive: true }).catch(() => undefined);
      }
    }
  },
});
