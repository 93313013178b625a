/**
 * End to end: a three-jacod cluster loses its leader to SIGKILL; an operator write
 * (`jaco token issue` over a survivor's socket) succeeds once a survivor is elected, and the
 * killed node restarts from its data dir, rejoins with the same members and catches up on the
 * token issued while it was down. Prints `failover_ms=<n>` (kill → first successful write,
 * including the CLI's process start) as an informative figure, never asserted on.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type ClusterMember,
  clusterStatus,
  formCluster,
  jaco,
  killMember,
  pollUntil,
  restartMember,
  stopDaemon,
  tokenIdentities,
} from "./_daemon.ts";

Deno.test({
  name:
    "cluster failover: a SIGKILLed leader is replaced, writes go through a survivor, and the restarted node catches up",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const members: ClusterMember[] = [];
    try {
      await formCluster(["node-1", "node-2", "node-3"], "jaco-failover-", members);
      const before = await clusterStatus(members[0].setup.socket);
      const leader = members.find((member) => member.name === before.leader);
      assert.ok(leader, `leader ${before.leader} is one of the members`);
      const survivor = members.find((member) => member !== leader)!;

      const killedAt = performance.now();
      await killMember(leader);
      await pollUntil("a write through a survivor", async () => {
        const issued = await jaco([
          "token",
          "issue",
          "while-down",
          "--socket",
          survivor.setup.socket,
        ]);
        return issued.code === 0 ? issued : undefined;
      }, { timeoutMs: 30_000, pollMs: 50 });
      console.log(`failover_ms=${Math.round(performance.now() - killedAt)}`);

      const after = await clusterStatus(survivor.setup.socket);
      assert.notEqual(after.leader, "", "a new leader is elected");
      assert.notEqual(after.leader, leader.name, "the killed node no longer leads");

      await restartMember(leader);
      const rejoined = await pollUntil("the restarted node catching up", async () => {
        const status = await clusterStatus(leader.setup.socket);
        const identities = await tokenIdentities(leader.setup.socket);
        return status.initialized && identities.includes("while-down") ? status : undefined;
      }, { timeoutMs: 30_000, pollMs: 250 });
      assert.deepEqual(
        rejoined.nodes.map((node) => node.hostname),
        ["node-1", "node-2", "node-3"],
      );
    } finally {
      const logs = await Promise.all(members.map((member) => stopDaemon(member.daemon, "SIGTERM")));
      if (Deno.env.get("JACO_TEST_LOGS")) console.error(logs.join("\n----\n"));
      await Promise.all(
        members.map((member) => Deno.remove(member.setup.dir, { recursive: true })),
      );
    }
  },
});
