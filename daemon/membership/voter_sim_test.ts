/**
 * The voter policy on the real raft core: a SimCluster of pure RaftNodes
 * grows from one to five members and shrinks back to one, with every
 * suffrage change planned by the reconciler (or the pre-removal shrink plan)
 * and carried out as raft conf changes. After each step the voter count must
 * match the target table, and a write must commit between every change.
 */
import assert from "node:assert/strict";
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  Role,
  SimCluster,
} from "../../raft/mod.ts";
import { raftChangesOf } from "./raft_changes.ts";
import { planShrinkBeforeRemove } from "./shrink_plan.ts";
import type { VoterChange } from "./voter_plan.ts";
import { TickOutcome, type TickResult, VoterReconciler } from "./voter_reconciler.ts";
import { voterTarget } from "./voter_target.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const RECONCILE_EVERY_MS = 1000;

/** One simulated cluster with a reconciler on every member, as each jacod runs one. */
class VoterSim {
  readonly cluster: SimCluster;
  readonly addresses = new Map<string, string>();
  readonly reconcilers = new Map<string, VoterReconciler>();
  /** Commands each node applied. */
  readonly applied = new Map<string, Set<string>>();
  writes = 0;
  /** Every raft membership change committed, in order ("type node"). */
  readonly changes: string[] = [];

  constructor(seed: number) {
    this.cluster = new SimCluster({ seed, nodes: ["n1"] });
    this.cluster.onApply((id, entry) => {
      if (entry.type !== "normal" || entry.data.byteLength === 0) return;
      if (!this.applied.has(id)) this.applied.set(id, new Set());
      this.applied.get(id)!.add(decoder.decode(entry.data));
    });
    this.#startReconciler("n1");
    assert.ok(this.cluster.runUntil(() => this.cluster.leader() === "n1", 5000), "n1 leads");
  }

  /** Member `id`'s reconciler reads only `id`'s own raft node, like a real daemon. */
  #startReconciler(id: string): void {
    this.addresses.set(id, `${id}:7001`);
    this.reconcilers.set(
      id,
      new VoterReconciler({
        now: () => this.cluster.now,
        read: () => {
          const status = this.cluster.node(id).status();
          if (status.role !== Role.leader) return { isLeader: false };
          return { isLeader: true, self: id, config: status.conf, addresses: this.addresses };
        },
        apply: (change) => Promise.resolve(this.apply(change, id)),
      }),
    );
  }

  /** Ticks every live member's reconciler once; returns the leader's result. */
  async tickAll(): Promise<TickResult | undefined> {
    let leaderResult: TickResult | undefined;
    for (const [id, reconciler] of this.reconcilers) {
      if (!this.cluster.isUp(id)) continue;
      const result = await reconciler.tick();
      assert.notEqual(result.outcome, TickOutcome.failed, `${id}: ${result.error}`);
      if (result.outcome === TickOutcome.follower) {
        assert.equal(reconciler.firstSeen().size, 0, `${id} forgets first-seen times`);
      } else leaderResult = result;
    }
    return leaderResult;
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

  /** Proposes one membership change on `leader` and waits until it applied it. */
  propose(change: ConfChange, leader = this.leader()): void {
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

  apply(change: VoterChange, leader = this.leader()): void {
    for (const raftChange of raftChangesOf(change, this.addresses)) {
      this.propose(raftChange, leader);
    }
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

  /** Ticks the reconcilers (a write between rounds) until the leader's finds nothing to do. */
  async converge(): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const result = await this.tickAll();
      this.write();
      if (result?.outcome === TickOutcome.steady && result.plan?.voters === result.plan?.target) {
        return;
      }
      this.cluster.runFor(RECONCILE_EVERY_MS);
    }
    assert.fail(`reconciler did not converge: ${JSON.stringify(this.conf())}`);
  }

  join(id: string): void {
    this.cluster.addNode(id);
    this.#startReconciler(id);
    // Joiners always enter as learners (cluster.md §3.3).
    this.propose({
      type: ConfChangeType.addLearner,
      node: id,
      context: encoder.encode(this.addresses.get(id)!),
    });
  }

  /** Joins `id` as a learner and reconciles; asserts it does not vote during PromoteAfter. */
  async joinAndSettle(id: string): Promise<void> {
    this.join(id);
    // For PromoteAfter (3 s) the joiner must not vote, however often the reconcilers run
    // (an older learner may be promoted meanwhile).
    const joinedAtMs = this.cluster.now;
    while (this.cluster.now - joinedAtMs < 2500) {
      await this.tickAll();
      const after = this.cluster.now - joinedAtMs;
      assert.ok(!this.conf().voters.includes(id), `${id} votes after ${after} ms`);
      this.cluster.runFor(500);
    }
    this.cluster.runFor(500);
    await this.converge();
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
    this.reconcilers.delete(leaving);
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
      await sim.joinAndSettle(id);
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

Deno.test("VoterReconciler on the raft simulation: a new leader keeps the set and demotes after a forced removal", async () => {
  for (const seed of [1, 2, 3]) {
    const sim = new VoterSim(seed);
    for (const id of ["n2", "n3", "n4", "n5"]) await sim.joinAndSettle(id);
    sim.cluster.crash("n1");
    const leader = sim.leader();
    assert.notEqual(leader, "n1");
    // The crashed voter is still a member: five members, five voters — nothing to change.
    const before = sim.changes.length;
    await sim.converge();
    assert.equal(sim.changes.length, before, "the new leader changes nothing at target");
    // A removal without the pre-removal demotion leaves four voters of four members.
    sim.propose({ type: ConfChangeType.removeNode, node: "n1" });
    sim.reconcilers.delete("n1");
    await sim.converge();
    sim.assertAtTarget(`seed ${seed}, after the forced removal`);
    const demoted = ["n2", "n3", "n4", "n5"].filter((id) => id !== leader).at(-1)!;
    assert.deepEqual(sim.conf().learners, [demoted], "the largest non-leader voter was demoted");
    assert.deepEqual(sim.changes.slice(before + 1), [
      `remove_node ${demoted}`,
      `add_learner ${demoted}`,
    ]);
    // Steady state: more rounds change nothing (no oscillation) and the cluster keeps committing.
    const settled = sim.changes.length;
    for (let round = 0; round < 5; round++) {
      await sim.tickAll();
      sim.write();
      sim.cluster.runFor(RECONCILE_EVERY_MS);
    }
    assert.equal(sim.changes.length, settled);
    assert.deepEqual(sim.cluster.checkSafety(), [], `seed ${seed}: safety`);
  }
});
