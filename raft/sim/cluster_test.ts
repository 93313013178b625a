import assert from "node:assert/strict";
import { SafetyChecker } from "./_safety.ts";
import { SimCluster, SimLivelockError } from "./cluster.ts";
import { EntryType } from "../types.ts";

function history(seed: number): string[] {
  const cluster = new SimCluster({ seed, nodes: ["a", "b", "c"] });
  cluster.setFaults({ dropRate: 0.1, delayMs: [1, 20], reorder: true });
  const log: string[] = [];
  cluster.onApply((id, entry) => log.push(`${cluster.now}:${id}:${entry.index}:${entry.term}`));
  for (let i = 0; i < 20; i++) {
    cluster.schedule(100 * i, () => {
      const leader = cluster.leader();
      if (leader) cluster.propose(leader, new Uint8Array([i]));
    });
  }
  cluster.schedule(700, () => cluster.crash("a"));
  cluster.schedule(1200, () => cluster.restart("a"));
  cluster.runFor(3000);
  return log;
}

Deno.test("SimCluster replays identically from the same seed", () => {
  const first = history(11);
  assert.ok(first.length > 20);
  assert.deepEqual(history(11), first);
  assert.notDeepEqual(history(12), first);
});

Deno.test("SimCluster.runUntil() stops as soon as the predicate holds, in virtual time", () => {
  const cluster = new SimCluster({ seed: 1, nodes: ["a", "b", "c"] });
  assert.ok(cluster.runUntil(() => cluster.leader() !== undefined, 5000));
  assert.ok(cluster.now < 1000, `elected at ${cluster.now} ms`);
  const at = cluster.now;
  assert.ok(!cluster.runUntil(() => false, 250));
  assert.equal(cluster.now, at + 250);
});

Deno.test("SimCluster restart rebuilds a node from its disk only", () => {
  const cluster = new SimCluster({ seed: 2, nodes: ["a", "b", "c"] });
  cluster.runUntil(() => cluster.leader() !== undefined, 5000);
  const leader = cluster.leader()!;
  cluster.propose(leader, new Uint8Array([1]));
  cluster.runFor(100);
  const follower = ["a", "b", "c"].find((id) => id !== leader)!;
  const before = cluster.node(follower).status();
  cluster.crash(follower);
  assert.throws(() => cluster.node(follower), /crashed/);
  assert.deepEqual(cluster.propose(follower, new Uint8Array()), {
    ok: false,
    reason: "not_leader",
    leader: "",
  });
  cluster.restart(follower);
  const after = cluster.node(follower).status();
  assert.equal(after.term, before.term);
  assert.equal(after.lastIndex, before.lastIndex);
  assert.equal(after.leader, "", "volatile leader knowledge is lost");
});

Deno.test("SafetyChecker reports two leaders in a term and diverging applied entries", () => {
  const safety = new SafetyChecker();
  safety.leaderElected("a", 3);
  safety.leaderElected("a", 3);
  assert.deepEqual(safety.violations, []);
  safety.leaderElected("b", 3);
  assert.match(safety.violations[0], /two leaders in term 3/);
  const entry = (data: number) => ({
    term: 1,
    index: 1,
    type: EntryType.normal,
    data: new Uint8Array([data]),
  });
  safety.applied("a", entry(1), 0);
  safety.applied("b", entry(2), 0);
  assert.match(safety.violations[1], /b applied .* at 1/);
  safety.applied("c", { ...entry(1), index: 3 }, 1);
  assert.match(safety.violations[2], /c applied index 3 after 1/);
  safety.leaderComplete("d", 4, { entries: [] });
  assert.match(safety.violations[3], /lacks committed entry 1/);
});

Deno.test("SafetyChecker.logMatching() flags logs that agree late but differ early", () => {
  const safety = new SafetyChecker();
  const e = (index: number, term: number, data: number) => ({
    index,
    term,
    type: EntryType.normal,
    data: new Uint8Array([data]),
  });
  const good = new Map([["a", { entries: [e(1, 1, 1), e(2, 2, 2)] }], ["b", {
    entries: [e(1, 1, 1), e(2, 3, 9)],
  }]]);
  assert.deepEqual(safety.logMatching(good), [], "diverging suffixes are fine");
  const bad = new Map([["a", { entries: [e(1, 1, 1), e(2, 2, 2)] }], ["b", {
    entries: [e(1, 1, 7), e(2, 2, 2)],
  }]]);
  assert.match(safety.logMatching(bad)[0], /differ at 1/);
});

Deno.test("SimCluster turns a zero-delay event storm into SimLivelockError instead of hanging", () => {
  const cluster = new SimCluster({ seed: 1, nodes: ["a"] });
  const storm = () => cluster.schedule(cluster.now, storm);
  cluster.schedule(50, storm);
  assert.throws(() => cluster.runFor(100), SimLivelockError);
});

Deno.test("SimCluster allows heavy but finite work at one instant", () => {
  const cluster = new SimCluster({ seed: 1, nodes: ["a", "b", "c"] });
  assert.ok(cluster.runUntil(() => cluster.leader() !== undefined, 5_000));
  const leader = cluster.leader()!;
  let applied = 0;
  cluster.onApply((id, entry) => id === leader && entry.data.length === 1 && applied++);
  cluster.schedule(cluster.now, () => {
    for (let i = 0; i < 5_000; i++) cluster.propose(leader, new Uint8Array([i & 0xff]));
  });
  cluster.runFor(2_000);
  assert.equal(applied, 5_000);
});
