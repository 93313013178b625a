/**
 * End to end on three real `jacod` processes (127.0.0.1): with two of three voters killed, a
 * write on the survivor is refused as `quorum_lost` (not `no_leader`) once it has had no leader
 * for longer than the election bar; after the two come back a write commits again.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type ClusterMember,
  formCluster,
  jaco,
  killMember,
  pollUntil,
  restartMember,
  stopDaemon,
} from "./_daemon.ts";

Deno.test({
  name: "writes on the minority side are quorum_lost, and commit again once a quorum is back",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const members: ClusterMember[] = [];
    try {
      await formCluster(["node-1", "node-2", "node-3"], "jaco-quorum-", members);
      const [one, two, three] = members;
      await killMember(two);
      await killMember(three);
      const codes: number[] = [];
      const refused = await pollUntil("a write refused as quorum_lost", async () => {
        const write = await jaco(["token", "issue", "minority", "--socket", one.setup.socket]);
        codes.push(write.code);
        return /^Error: quorum_lost: /m.test(write.stderr) ? write : undefined;
      }, { timeoutMs: 40_000, pollMs: 1_000 });
      assert.ok(codes.every((code) => code === 1), "no write commits without a quorum");
      assert.match(refused.stderr, /no raft leader for \d+ s|leader reaches 1 of 3 voters/);

      await restartMember(two);
      await restartMember(three);
      await pollUntil("a write commits again", async () => {
        const write = await jaco(["token", "issue", "majority", "--socket", one.setup.socket]);
        return write.code === 0 ? true : undefined;
      }, { timeoutMs: 30_000, pollMs: 500 });
    } finally {
      for (const member of members) await stopDaemon(member.daemon, "SIGTERM");
      for (const member of members) await Deno.remove(member.setup.dir, { recursive: true });
    }
  },
});
