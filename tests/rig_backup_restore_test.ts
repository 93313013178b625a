/**
 * Disaster recovery on the multi-host rig: `jaco backup` from a three-jacod rig cluster (run on a
 * follower's host against the leader with `--server` and an operator token; a follower does not
 * forward `Cluster.Backup` yet, it answers `no_leader`), the original hosts stopped, and
 * `jaco restore` on a FRESH fourth host (new data dir, its own name and address); then:
 *
 * - the restored node boots as the single voter and leader of the same cluster;
 * - `audit` on it shows the original history: every event the original cluster had committed
 *   up to the backup's snapshot index, with the same type, identity and raft index, plus
 *   `restore_completed`;
 * - the original operator token authenticates over TLS against the restored node's new address
 *   (pinned to the restored CA), issued from a host that was not part of the cluster;
 * - `jaco get deployments` on the restored node lists the deployment applied before the backup
 *   with the same revision, previous revision and services;
 * - (step `two fresh hosts join the restored node`) two fresh hosts join it through the real
 *   CLI and all three become ready voters (the restored node writes its own `Node` record on its
 *   first boot, so joiners learn its raft address).
 *
 * @module
 */
import assert from "node:assert/strict";
import { Rig, rigSupport } from "./rig/mod.ts";
import { formRigCluster, leaderOf, RigJacod, waitForReadyVoters } from "./_rig_jacod.ts";

const support = rigSupport();
if (!support.ok) console.log(`rig backup/restore tests skipped: ${support.reason}`);

/** One `jaco audit -o json` event. */
interface AuditJson {
  type: string;
  identity?: string;
  raft_index: number;
  payload?: Record<string, string>;
}

async function audit(node: RigJacod, types?: string): Promise<AuditJson[]> {
  const args = ["audit", "-o", "json", ...(types ? ["--type", types] : [])];
  return JSON.parse((await node.jaco(args, { check: true })).stdout);
}

/** The rows of `jaco get deployments` (name, revision, previous, status, services). */
async function deploymentRows(node: RigJacod): Promise<string[][]> {
  const table = await node.jaco(["get", "deployments"], { check: true });
  return table.stdout.trim().split("\n").slice(2).map((line) => line.split(/ +/));
}

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

Deno.test({
  name:
    "rig backup/restore: a 3-node rig cluster's backup restored on a fresh host keeps its history and tokens and takes writes; then two fresh hosts join it (step)",
  ignore: !support.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using rig = await Rig.create({ hosts: 6, name: "bkp" });
    const nodes: RigJacod[] = [];
    await withLogs(nodes, async () => {
      nodes.push(...await formRigCluster(rig, 3));
      const original = nodes.slice(0, 3);
      const leader = await leaderOf(original);
      const follower = original.find((node) => node !== leader)!;
      const issued = await leader.jaco(["token", "issue", "alice"], { check: true });
      const alice = /: ([0-9a-f]{64})\n$/.exec(issued.stdout)?.[1];
      assert.ok(alice, issued.stdout);
      await rig.waitFor(
        async () => (await follower.tokenIdentities()).includes("alice"),
        { what: `alice on ${follower.name}`, timeoutMs: 10_000 },
      );

      // A deployment (and its revision history) to find again after the restore.
      const samples = new URL("./samples/", import.meta.url);
      const stack = `${rig.stateDir}/sample`;
      await Deno.mkdir(stack, { recursive: true });
      await Deno.writeTextFile(
        `${stack}/jaco.yaml`,
        (await Deno.readTextFile(new URL("jaco.yaml", samples)))
          .replace("hosts: [node-1]", `hosts: [${original[0].name}]`),
      );
      await Deno.copyFile(new URL("compose.yml", samples), `${stack}/compose.yml`);
      for (let revision = 1; revision <= 2; revision++) {
        await leader.jaco(["apply", `${stack}/jaco.yaml`, "--detach"], { check: true });
        if (revision === 1) {
          const text = await Deno.readTextFile(`${stack}/jaco.yaml`);
          await Deno.writeTextFile(
            `${stack}/jaco.yaml`,
            text.replace("- name: web\n    replicas: 2", "- name: web\n    replicas: 3"),
          );
        }
      }
      const deploymentsBefore = await deploymentRows(leader);
      assert.deepEqual(deploymentsBefore.map((row) => row.slice(0, 3)), [["sample", "2", "1"]]);

      const archive = `${rig.stateDir}/cluster.tgz`;
      const backup = await follower.jaco(
        ["backup", "--output", archive, "--server", leader.grpcAddr, "--token", alice],
        { check: true },
      );
      assert.match(backup.stdout, /^Wrote \d+ bytes to /);
      const [taken] = await audit(leader, "backup_taken");
      const snapshotIndex = Number(taken.payload?.snapshot_index);
      assert.ok(snapshotIndex > 0, JSON.stringify(taken));
      const history = (await audit(leader)).filter((event) => event.raft_index <= snapshotIndex);
      assert.ok(history.some((event) => event.type === "token_issue"), JSON.stringify(history));
      for (const node of original) await node.stop();

      // Restore on a fresh host, start it there.
      const [restoredHost, joinerHost1, joinerHost2] = rig.hosts.slice(3);
      const restored = await RigJacod.create(restoredHost);
      nodes.push(restored);
      const restore = await restored.jaco(
        ["restore", "--input", archive, "--name", restored.name],
        { env: { JACO_DATA_DIR: restored.dataDir }, check: true },
      );
      assert.equal(
        restore.stdout,
        `Restored into ${restored.dataDir}; start jacod to bring node ${restored.name} online.\n`,
      );
      await restored.start();
      await rig.waitFor(async () => (await restored.status()).leader === restored.name, {
        what: `${restored.name} leading the restored cluster`,
        timeoutMs: 20_000,
      });
      const completed = await rig.waitFor(async () => {
        const events = await audit(restored, "restore_completed");
        return events.length > 0 ? events : undefined;
      }, { what: "restore_completed audited", timeoutMs: 20_000 });
      assert.equal(completed[0].payload?.snapshot_index, String(snapshotIndex));

      // Same history: every event up to the snapshot index, unchanged.
      const pick = (e: AuditJson) => [e.raft_index, e.type, e.identity ?? ""].join(" ");
      const restoredHistory = (await audit(restored)).filter((e) => e.raft_index <= snapshotIndex);
      assert.deepEqual(restoredHistory.map(pick), history.map(pick));

      // Same deployments: name, revision, previous revision and services.
      const pickRow = (row: string[]) => [row[0], row[1], row[2], row.at(-1)];
      assert.deepEqual(
        (await deploymentRows(restored)).map(pickRow),
        deploymentsBefore.map(pickRow),
      );

      // Original token, new address, from a host that was never a member (CA copied there).
      const caCopy = `${joinerHost1.dir}/restored-ca.crt`;
      await Deno.copyFile(restored.caCertPath, caCopy);
      const joiners = await Promise.all(
        [joinerHost1, joinerHost2].map((host) => RigJacod.create(host)),
      );
      nodes.push(...joiners);
      const listed = await joiners[0].jaco([
        "token",
        "list",
        "--server",
        restored.grpcAddr,
        "--token",
        alice,
        "--ca-cert",
        caCopy,
      ]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /\nalice /);

      await restored.jaco(["token", "issue", "after-restore"], { check: true });

      await t.step({
        name: "two fresh hosts join the restored node",
        fn: async () => {
          await Promise.all(joiners.map((joiner) => joiner.start()));
          for (const joiner of joiners) await joiner.join(restored);
          const status = await waitForReadyVoters(
            restored,
            [restored, ...joiners].map((n) => n.name),
          );
          assert.equal(status.leader, restored.name);
          for (const joiner of joiners) {
            await rig.waitFor(async () => (await joiner.tokenIdentities()).includes("alice"), {
              what: `alice replicated to ${joiner.name}`,
              timeoutMs: 10_000,
            });
          }
        },
      });
    });
    for (const node of nodes) await node.stop();
  },
});
