/**
 * The voter policy on the real raft core: a SimCluster of pure RaftNodes
 * grows from one to five members and shrinks back to one, with every
 * suffrage change planned by the reconciler (or the pre-removal shrink plan)
 * and carried out as raft conf changes. After each step the voter count must
 * match the target table, and a write must commit between every change.
 */
import assert from "node:assert/strict";
import { type ConfChange, ConfChangeType, type ConfState, SimCluster } from "../../raft/mod.ts";
import { raftChangesOf } from "./raft_changes.ts";
import { planShrinkBeforeRemove } from "./shrink_plan.ts";
import type { VoterChange } from "./voter_plan.ts";
import { TickOutcome, VoterReconciler } from "./voter_reconciler.ts";
import { voterTarget } from "./voter_target.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const RECONCILE_EVERY_MS = 1000;

/** One simulated cluster with the reconciler running on whoever leads. */
class VoterSim {
  readonly cluster: SimCluster;
  readonly addresses = new Map<string, string>();
  readonly reconciler: VoterReconciler;
  /** Commands each node applied. */
  readonly applied = new Map<string, Set<string>>();
  writes = 0;
  /** Every raft membership change committed, in order ("type node"). */
  readonly changes: string[] = [];

  constructor(seed: number) {
    this.cluster = new SimCluster({ seed, nodes: ["n1"] });
    this.addresses.set("n1", "n1:7001");
    this.cluster.onApply((id, entry) => {
      if (entry.type !== "normal" || entry.data.byteLength === 0) return;
      if (!this.applied.has(id)) this.applied.set(id, new Set());
      this.applied.get(id)!.add(decoder.decode(entry.data));
    });
    this.reconciler = new VoterReconciler({
      now: () => this.cluster.now,
      read: () => {
        const leader = this.cluster.leader();
        if (leader === undefined) return { isLeader: false };
        return {
          isLeader: true,
          self: leader,
          config: this.conf(),
          addresses: this.addresses,
        };
      },
      apply: (change) => Promise.resolve(this.apply(change)),
    });
    assert.ok(this.cluster.runUntil(() => this.cluster.leader() === "n1", 5000), "n1 leads");
  }

  leader(): string {
    assert.ok(this.cluster.runUntil(() => this.cluster.leader() !== undefined, 5000), "a leader");
    return this.cluster.leader()!;
  }

  conf(): ConfState {
    return this.cluster.node(this.leader()).status().conf;
  }

  members(): number {
    const { voters, learners } = this.conf();
    return voters.length + learners.length;
  }

  /** Proposes one membership change on the leader and waits until the leader applied it. */
  propose(change: ConfChange): void {
    const leader = this.leader();
    const result = this.cluster.node(leader).proposeConfChange(change);
    if (!result.ok) throw new Error(`conf change ${change.type} ${change.node}: ${result.reason}`);
    const committed = this.cluster.runUntil(
      () => this.cluster.appliedIndex(leader) >= result.index,
      5000,
    );
    if (!committed) throw new Error(`conf change ${change.type} ${change.node} did not commit`);
    this.changes.push(`${change.type} ${change.node}`);
    this.write();
  }

  apply(change: VoterChange): void {
    for (const raftChange of raftChangesOf(change, this.addresses)) this.propose(raftChange);
  }

  /** Proposes a write on the leader and asserts it commits (the leader applies it). */
  write(): void {
    const command = `w${++this.writes}`;
    const leader = this.leader();
    const result = this.cluster.propose(leader, encoder.encode(command));
    assert.ok(result.ok, `write ${command} accepted by leader ${leader}`);
    assert.ok(
      this.cluster.runUntil(() => this.applied.get(leader)?.has(command) === true, 2000),
      `write ${command} committed (${this.changes.at(-1) ?? "no change yet"})`,
    );
  }

  /** Ticks the reconciler (with a write between ticks) until a tick finds nothing to do. */
  async converge(): Promise<void> {
    for (let tick = 0; tick < 20; tick++) {
      const result = await this.reconciler.tick();
      assert.notEqual(result.outcome, TickOutcome.failed, String(result.error));
      this.write();
      const steady = result.outcome === TickOutcome.steady &&
        result.plan?.voters === result.plan?.target;
      if (steady) return;
      this.cluster.runFor(RECONCILE_EVERY_MS);
    }
    assert.fail(`reconciler did not converge: ${JSON.stringify(this.conf())}`);
  }

  join(id: string): void {
    this.cluster.addNode(id);
    this.addresses.set(id, `${id}:7001`);
    // Joiners always enter as learners (cluster.md §3.3).
    this.propose({
      type: ConfChangeType.addLearner,
      node: id,
      context: encoder.encode(this.addresses.get(id)!),
    });
  }

  /** Graceful remove: pre-removal demotions (§6.1 step 5), then the removal itself. */
  remove(leaving: string): void {
    const plan = planShrinkBeforeRemove({ config: this.conf(), leader: this.leader(), leaving });
    for (const demotion of plan.demotions) this.apply(demotion);
    const remaining = this.conf().voters.filter((id) => id !== leaving);
    assert.ok(remaining.length <= plan.target, `before removing ${leaving}: ${remaining}`);
    this.propose({ type: ConfChangeType.removeNode, node: leaving });
    this.cluster.crash(leaving);
    this.addresses.delete(leaving);
  }

  assertAtTarget(step: string): void {
    const conf = this.conf();
    const members = conf.voters.length + conf.learners.length;
    assert.equal(conf.voters.length, voterTarget(members), `${step}: ${JSON.stringify(conf)}`);
  }
}

Deno.test("VoterReconciler on the raft simulation grows 1→5 and shrinks 5→1 at target", async () => {
  for (const seed of [1, 2, 3]) {
    const sim = new VoterSim(seed);
    const voterCounts: [number, number][] = [[sim.members(), sim.conf().voters.length]];
    await sim.converge();
    for (const id of ["n2", "n3", "n4", "n5"]) {
      sim.join(id);
      // For PromoteAfter (3 s) the joiner must not vote, however often the reconciler runs
      // (an older learner may be promoted meanwhile).
      const joinedAtMs = sim.cluster.now;
      while (sim.cluster.now - joinedAtMs < 2500) {
        await sim.reconciler.tick();
        assert.ok(
          !sim.conf().voters.includes(id),
          `${id} votes after ${sim.cluster.now - joinedAtMs} ms`,
        );
        sim.cluster.runFor(500);
      }
      sim.cluster.runFor(500);
      await sim.converge();
      sim.assertAtTarget(`seed ${seed}, after join ${id}`);
      voterCounts.push([sim.members(), sim.conf().voters.length]);
    }
    assert.deepEqual(sim.conf().voters, ["n1", "n2", "n3", "n4", "n5"]);
    // n2 and n4 are voters when they leave, so the shrink plan must demote first.
    for (const id of ["n2", "n3", "n4", "n5"]) {
      sim.remove(id);
      // Right after a removal voters may be below target (the reconciler promotes), never above.
      const conf = sim.conf();
      const members = conf.voters.length + conf.learners.length;
      assert.ok(conf.voters.length <= voterTarget(members), `after removing ${id}: ${conf.voters}`);
      await sim.converge();
      sim.assertAtTarget(`seed ${seed}, after reconciling the removal of ${id}`);
      voterCounts.push([sim.members(), sim.conf().voters.length]);
    }
    assert.deepEqual(voterCounts, [
      [1, 1],
      [2, 1],
      [3, 3],
      [4, 3],
      [5, 5],
      [4, 3],
      [3, 3],
      [2, 1],
      [1, 1],
    ]);
    assert.deepEqual(sim.conf(), { voters: ["n1"], learners: [] });
    assert.ok(
      sim.changes.includes("remove_node n5") && sim.changes.includes("add_learner n5"),
      `a demotion ran as remove + add learner: ${sim.changes}`,
    );
    assert.deepEqual(sim.cluster.checkSafety(), [], `seed ${seed}: safety`);
  }
});
