/**
 * End to end on three real `jacod` processes (127.0.0.1), driven through the real `jaco` CLI on
 * a follower:
 * - `jaco backup` over the follower's socket and over `--server <follower>` streams the leader's
 *   archive; the leader audits `backup_taken` as the real caller (`local`, then `alice`);
 * - `jaco node remove` of an unknown host is `unknown_host`;
 * - `jaco node remove node-3` through the follower node-2 drains (nothing to move) and removes
 *   it: both survivors list two nodes, node-3 no longer receives the log (a further write
 *   commits on the survivors and never reaches it);
 * - removing the leader itself (node-1) through node-2 hands leadership over first and leaves
 *   node-2 alone and still writable;
 * - a dead (SIGKILLed) voter hosting a replica pinned to it is refused with `drain_no_placement`
 *   naming the replica, removed with `--force`, and the two survivors keep committing.
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
  stopDaemon,
  tokenIdentities,
} from "./_daemon.ts";

async function nodeNames(socket: string): Promise<string[]> {
  const listed = await jaco(["node", "list", "-o", "json", "--socket", socket]);
  assert.equal(listed.code, 0, listed.stderr);
  return (JSON.parse(listed.stdout).nodes as { hostname: string }[]).map((n) => n.hostname);
}

async function auditIdentities(socket: string, type: string): Promise<string[]> {
  const run = await jaco(["audit", "--type", type, "-o", "json", "--socket", socket]);
  assert.equal(run.code, 0, run.stderr);
  return (JSON.parse(run.stdout) as { identity: string }[]).map((event) => event.identity);
}

function same(expected: string[]) {
  return (names: string[]) => names.join(",") === expected.join(",") ? names : undefined;
}

Deno.test({
  name:
    "node remove / backup through a follower: unknown host refused, a member and then the leader removed, backups streamed from the leader",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const members: ClusterMember[] = [];
    try {
      await formCluster(["node-1", "node-2", "node-3"], "jaco-remove-", members);
      const [one, two, three] = members.map((member) => member.setup);
      assert.equal((await clusterStatus(one.socket)).leader, "node-1");

      // Backup through the follower, socket and TCP.
      const archive = `${two.dir}/cluster.tgz`;
      const overSocket = await jaco(["backup", "--output", archive, "--socket", two.socket]);
      assert.equal(overSocket.code, 0, overSocket.stderr);
      const bytes = await Deno.readFile(archive);
      assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b]);
      const issued = await jaco(["token", "issue", "alice", "--socket", one.socket]);
      const token = /([0-9a-f]{64})\n$/.exec(issued.stdout)?.[1];
      assert.ok(token, issued.stderr);
      const overTcp = await jaco([
        "backup",
        "--output",
        `${two.dir}/tcp.tgz`,
        "--server",
        `127.0.0.1:${two.grpcPort}`,
        "--token",
        token,
        "--ca-cert",
        `${two.dataDir}/node/ca.crt`,
      ]);
      assert.equal(overTcp.code, 0, overTcp.stderr);
      assert.deepEqual(
        await pollUntil("both backups audited", async () => {
          const ids = await auditIdentities(one.socket, "backup_taken");
          return ids.length === 2 ? ids : undefined;
        }, { timeoutMs: 10_000, pollMs: 200 }),
        ["local", "alice"],
      );

      const unknown = await jaco(["node", "remove", "node-9", "--socket", two.socket]);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /^Error: unknown_host: node "node-9" is not a cluster member/);

      const removed = await jaco(["node", "remove", "node-3", "--socket", two.socket]);
      assert.equal(removed.code, 0, removed.stderr);
      assert.equal(removed.stdout, "Removed node node-3\n");
      for (const survivor of [one, two]) {
        await pollUntil(
          `${survivor.socket} lists node-1, node-2`,
          async () => same(["node-1", "node-2"])(await nodeNames(survivor.socket)),
          { timeoutMs: 10_000, pollMs: 200 },
        );
      }
      const removals = await auditIdentities(one.socket, "node_remove");
      assert.deepEqual(removals, ["local"]);

      // A further write commits on the survivors and never reaches the removed node.
      const write = await jaco(["token", "issue", "bob", "--socket", two.socket]);
      assert.equal(write.code, 0, write.stderr);
      await pollUntil("bob on node-2", async () => {
        return (await tokenIdentities(two.socket)).includes("bob") ? true : undefined;
      }, { timeoutMs: 10_000, pollMs: 200 });
      const leaderIndex = (await clusterStatus(one.socket) as unknown as { raft_index: number })
        .raft_index;
      // Give node-3 several heartbeats' worth of time to (wrongly) catch up, then look.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal((await tokenIdentities(three.socket)).includes("bob"), false);
      const stale = await clusterStatus(three.socket) as unknown as { raft_index: number };
      assert.ok(stale.raft_index < leaderIndex, `${stale.raft_index} < ${leaderIndex}`);

      // The leader removes itself: node-2 (a learner by now) is promoted and takes over.
      const self = await jaco(["node", "remove", "node-1", "--force", "--socket", two.socket]);
      assert.equal(self.code, 0, self.stderr);
      assert.equal(self.stdout, "Removed node node-1\n");
      const alone = await pollUntil("node-2 leads alone", async () => {
        const status = await clusterStatus(two.socket);
        return status.leader === "node-2" && status.nodes.length === 1 ? status : undefined;
      }, { timeoutMs: 15_000, pollMs: 200 });
      assert.deepEqual(alone.nodes.map((node) => node.hostname), ["node-2"]);
      const after = await jaco(["token", "issue", "carol", "--socket", two.socket]);
      assert.equal(after.code, 0, after.stderr);
    } finally {
      for (const member of members) await stopDaemon(member.daemon, "SIGTERM");
      for (const member of members) await Deno.remove(member.setup.dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "node remove of a dead voter hosting a pinned replica: drain_no_placement, then --force leaves a writable 2-node cluster",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const members: ClusterMember[] = [];
    try {
      await formCluster(["node-1", "node-2", "node-3"], "jaco-remove-dead-", members);
      const [one, two, three] = members;
      const stack = `${one.setup.dir}/stack`;
      await Deno.mkdir(stack);
      await Deno.writeTextFile(
        `${stack}/jaco.yaml`,
        "deployment: pin\nservices:\n  - name: db\n    placement: hosts\n    hosts: [node-3]\n",
      );
      await Deno.writeTextFile(
        `${stack}/compose.yml`,
        "services:\n  db:\n    image: jaco-test/busybox:1\n    pull_policy: never\n",
      );
      const applied = await jaco([
        "apply",
        `${stack}/jaco.yaml`,
        "--detach",
        "--socket",
        one.setup.socket,
      ]);
      assert.equal(applied.code, 0, applied.stderr);
      const pinned = await pollUntil("the pinned replica is placed on node-3", async () => {
        const run = await jaco(["get", "replicas", "-o", "json", "--socket", two.setup.socket]);
        const replicas = JSON.parse(run.stdout) as { id: string; host: string }[];
        return replicas.find((replica) => replica.host === "node-3")?.id;
      }, { timeoutMs: 15_000, pollMs: 250 });
      await killMember(three);
      const refused = await jaco(["node", "remove", "node-3", "--socket", two.setup.socket]);
      assert.equal(refused.code, 1);
      assert.equal(
        refused.stderr,
        `Error: drain_no_placement: node hosts pinned replicas: [${pinned}]\n`,
      );
      const removed = await jaco([
        "node",
        "remove",
        "node-3",
        "--force",
        "--socket",
        two.setup.socket,
      ]);
      assert.equal(removed.code, 0, removed.stderr);
      assert.equal(removed.stdout, "Removed node node-3\n");
      for (const survivor of [one, two]) {
        await pollUntil(
          `${survivor.name} lists node-1, node-2`,
          async () => same(["node-1", "node-2"])(await nodeNames(survivor.setup.socket)),
          { timeoutMs: 10_000, pollMs: 200 },
        );
      }
      const write = await jaco(["token", "issue", "after", "--socket", two.setup.socket]);
      assert.equal(write.code, 0, write.stderr);
    } finally {
      for (const member of members) await stopDaemon(member.daemon, "SIGTERM");
      for (const member of members) await Deno.remove(member.setup.dir, { recursive: true });
    }
  },
});
