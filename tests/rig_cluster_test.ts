/**
 * Control plane end to end on the multi-host rig: three real jacods, one per simulated host
 * (own network namespace, own address, own /run), formed through the real CLI (`cluster init` →
 * `node issue-join-token` → `node join`).
 *
 * - Every node lists the three members as ready in `cluster status` and `node list`, with the
 *   same leader, and reports all three as voters from its own raft configuration (better than
 *   the reference, where only the leader reported suffrage and followers rendered `unknown`).
 * - Writes sent to a follower succeed (forwarded to the leader), over its socket and over
 *   `--server <follower addr>` from another host, and land on every node.
 * - SIGKILL of the leader: a new leader is elected, `jaco token issue` through a survivor
 *   succeeds (prints `rig_failover_ms`, kill → first successful write including one CLI start,
 *   informative only), and the killed node restarts from its data dir, rejoins and lists the
 *   token issued while it was down.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Rig, rigSupport } from "./rig/mod.ts";
import {
  formRigCluster,
  leaderOf,
  type RigJacod,
  waitForReadyVoters,
  waitForReadyVotersEverywhere,
} from "./_rig_jacod.ts";

const support = rigSupport();
if (!support.ok) console.log(`rig cluster tests skipped: ${support.reason}`);

/** Runs `fn`; on failure prints the tail of every daemon's log before rethrowing. */
async function withLogs(nodes: RigJacod[], fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    for (const node of nodes) {
      console.error(`--- ${node.name}\n${(await node.log()).slice(-3_000)}`);
    }
    throw error;
  }
}

/** The token secret printed by `jaco token issue`. */
function secretOf(stdout: string): string {
  const secret = /: ([0-9a-f]{64})\n$/.exec(stdout)?.[1];
  assert.ok(secret, `no token in ${JSON.stringify(stdout)}`);
  return secret;
}

/** Waits until every node lists every identity of `identities`. */
async function waitForTokens(rig: Rig, nodes: RigJacod[], identities: string[]): Promise<void> {
  await Promise.all(nodes.map((node) =>
    rig.waitFor(async () => {
      const listed = await node.tokenIdentities();
      return identities.every((identity) => listed.includes(identity));
    }, { what: `${identities.join(", ")} listed on ${node.name}`, timeoutMs: 15_000 })
  ));
}

Deno.test({
  name:
    "rig cluster: 3 hosts form through init/issue-join-token/join, every node sees 3 ready members, follower writes are forwarded, a SIGKILLed leader is replaced and catches up",
  ignore: !support.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using rig = await Rig.create({ hosts: 3, name: "cp" });
    const nodes: RigJacod[] = [];
    await withLogs(nodes, async () => {
      nodes.push(...await formRigCluster(rig, 3));
      const names = nodes.map((node) => node.name).sort();
      const leader = await leaderOf(nodes);
      const voters = await waitForReadyVoters(leader, names);
      assert.deepEqual(
        voters.nodes.map((node) => [node.hostname, node.address]).sort(),
        nodes.map((node) => [node.name, node.raftAddr]).sort(),
        "members are listed with their rig raft addresses",
      );

      // From EVERY node: three ready members, one agreed leader, and `node list` agrees.
      for (const node of nodes) {
        const status = await node.status();
        assert.equal(status.initialized, true);
        assert.equal(status.leader, leader.name, `${node.name} names the leader`);
        assert.deepEqual(
          status.nodes.map((n) => [n.hostname, n.status]).sort(),
          names.map((name) => [name, "ready"]),
          `cluster status on ${node.name}`,
        );
        for (const n of status.nodes) {
          assert.equal(n.suffrage, "voter", `${n.hostname} suffrage on ${node.name}`);
        }
        const table = await node.jaco(["node", "list"], { check: true });
        assert.deepEqual(
          table.stdout.trimEnd().split("\n").sort(),
          nodes.map((n) => `${n.name}\t${n.raftAddr}\tNODE_STATUS_READY`).sort(),
          `node list on ${node.name}`,
        );
        const json = await node.jaco(["node", "list", "-o", "json"], { check: true });
        assert.deepEqual(
          (JSON.parse(json.stdout).nodes as { hostname: string; status: string }[])
            .map((n) => [n.hostname, n.status]).sort(),
          names.map((name) => [name, "ready"]),
        );
      }

      // A write sent to a follower is forwarded: over its socket, and over --server from
      // another host (TLS pinned to the cluster CA, operator token).
      const [follower, other] = nodes.filter((node) => node !== leader);
      const operator = secretOf(
        (await follower.jaco(["token", "issue", "operator"], { check: true })).stdout,
      );
      const viaTcp = await other.jaco([
        "token",
        "issue",
        "via-follower-tcp",
        "--server",
        follower.grpcAddr,
        "--token",
        operator,
      ]);
      assert.equal(viaTcp.code, 0, viaTcp.stderr);
      secretOf(viaTcp.stdout);
      await waitForTokens(rig, nodes, ["operator", "via-follower-tcp"]);

      // SIGKILL the leader; the first write through a survivor marks the failover.
      const survivor = follower;
      const killedAt = performance.now();
      await leader.kill("SIGKILL");
      await rig.waitFor(async () => {
        return (await survivor.jaco(["token", "issue", "while-down"])).code === 0;
      }, { what: `a write through ${survivor.name} after the leader died`, timeoutMs: 30_000 });
      console.log(`rig_failover_ms=${Math.round(performance.now() - killedAt)}`);
      const survivors = nodes.filter((node) => node !== leader);
      const newLeader = await leaderOf(survivors);
      assert.notEqual(newLeader.name, leader.name);

      // The killed node restarts from its data dir, rejoins and catches up.
      await leader.start();
      await waitForTokens(rig, [leader], ["while-down"]);
      const after = await waitForReadyVoters(newLeader, names);
      assert.equal(after.leader, newLeader.name);
      await waitForReadyVotersEverywhere(nodes, names);
      const rejoined = await leader.status();
      assert.deepEqual(rejoined.nodes.map((n) => n.hostname).sort(), names);
      assert.equal(rejoined.leader, newLeader.name, "the restarted node follows the new leader");
    });
    for (const node of nodes) await node.stop();
  },
});
