import assert from "node:assert/strict";
import { bytes, ids, Rig, scenario } from "./_scenario_kit_test.ts";

scenario("scenario: basic agreement", (seed) => {
  const rig = new Rig({ seed, nodes: ids(5) });
  rig.leader();
  let last = 0;
  for (let i = 0; i < 5; i++) {
    const index = rig.one(`cmd-${i}`, 5);
    assert.ok(index > last, "indexes grow");
    last = index;
  }
  for (const id of ids(5)) {
    assert.deepEqual(rig.commands(id), ["cmd-0", "cmd-1", "cmd-2", "cmd-3", "cmd-4"]);
  }
  return rig.cluster;
});

scenario("scenario: agreement despite a failed follower", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes });
  const leader = rig.leader();
  rig.one("a", 3);
  const follower = nodes.find((id) => id !== leader)!;
  rig.cluster.crash(follower);
  rig.one("b", 2);
  rig.one("c", 2);
  rig.cluster.restart(follower);
  rig.one("d", 3);
  assert.deepEqual(rig.commands(follower), ["a", "b", "c", "d"]);
  return rig.cluster;
});

scenario("scenario: no agreement without a majority", (seed) => {
  const nodes = ids(5);
  const rig = new Rig({ seed, nodes });
  rig.one("first", 5);
  const leader = rig.cluster.leader()!;
  const [kept, ...cut] = nodes.filter((id) => id !== leader);
  rig.cluster.partition([[leader, kept], cut]);
  const result = rig.cluster.propose(leader, bytes("lonely"));
  assert.ok(result.ok, "the leader still accepts proposals");
  rig.cluster.runFor(2000);
  assert.equal(rig.countAt(result.index, "lonely"), 0, "nothing commits without a majority");
  rig.cluster.heal();
  rig.one("after-heal", 5);
  assert.ok(!rig.commands(leader).includes("lonely") || rig.commands(kept).includes("lonely"));
  return rig.cluster;
});

scenario("scenario: concurrent proposals all commit once at distinct indexes", (seed) => {
  const rig = new Rig({ seed, nodes: ids(3) });
  const leader = rig.leader();
  rig.one("warm-up", 3);
  const indexes = new Set<number>();
  for (let i = 0; i < 50; i++) {
    const result = rig.cluster.propose(leader, bytes(`c${i}`));
    assert.ok(result.ok);
    indexes.add(result.index);
  }
  assert.equal(indexes.size, 50);
  rig.cluster.runFor(1000);
  for (const id of ids(3)) {
    const commands = rig.commands(id).filter((c) => c.startsWith("c"));
    assert.deepEqual(commands, Array.from({ length: 50 }, (_, i) => `c${i}`));
  }
  return rig.cluster;
});

scenario("scenario: rejoin of a partitioned leader discards its uncommitted entries", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes });
  rig.one("101", 3);
  const old = rig.cluster.leader()!;
  rig.cluster.partition([[old], nodes.filter((id) => id !== old)]);
  for (const c of ["102", "103", "104"]) rig.cluster.propose(old, bytes(c));
  rig.one("103-new", 2);
  const second = rig.cluster.leader()!;
  assert.notEqual(second, old);
  // The new leader is cut off too; the old one comes back to the remaining follower.
  rig.cluster.partition([[second], nodes.filter((id) => id !== second)]);
  rig.one("104-new", 2);
  rig.cluster.heal();
  rig.one("105", 3);
  for (const id of nodes) {
    assert.ok(!rig.commands(id).includes("102"), `${id} never applies the stale leader's entries`);
    assert.deepEqual(rig.commands(id), ["101", "103-new", "104-new", "105"]);
  }
  return rig.cluster;
});

scenario("scenario: fast backup over a long divergent log needs few rejections", (seed) => {
  const nodes = ids(5);
  const rig = new Rig({ seed, nodes });
  rig.one("start", 5);
  const leader = rig.cluster.leader()!;
  const others = nodes.filter((id) => id !== leader);
  // Old leader and one follower take 300 entries that never commit.
  rig.cluster.partition([[leader, others[0]], others.slice(1)]);
  for (let i = 0; i < 300; i++) rig.cluster.propose(leader, bytes(`lost-${i}`));
  // The other three commit 300 entries across a few terms.
  for (let i = 0; i < 300; i++) {
    if (i % 100 === 0) rig.one(`kept-${i}`, 3);
    else {
      const l = rig.cluster.leader()!;
      rig.cluster.propose(l === leader ? rig.leader() : l, bytes(`kept-${i}`));
    }
  }
  rig.cluster.runFor(500);
  // A fresh leader of the majority starts with nextIndex past the end of its log for
  // everyone, so it has to find where the two stale logs diverge.
  const majorityLeader = rig.cluster.leader()!;
  const successor = others.slice(1).find((id) => id !== majorityLeader)!;
  rig.cluster.node(majorityLeader).transferLeadership(successor);
  assert.ok(rig.cluster.runUntil(() => rig.cluster.leader() === successor, 2000), "transfer");
  const before = rig.cluster.stats().rejectedAppends;
  rig.cluster.heal();
  rig.one("end", 5);
  const rejections = rig.cluster.stats().rejectedAppends - before;
  assert.ok(rejections >= 1, "the divergent logs were actually backtracked");
  assert.ok(rejections <= 10, `rejections ${rejections} should be O(terms), not O(entries)`);
  for (const id of nodes) assert.ok(!rig.commands(id).some((c) => c.startsWith("lost-")));
  return rig.cluster;
});

scenario("scenario: RPC count sanity — idle cluster sends only heartbeats", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes });
  rig.one("x", 3);
  const start = rig.cluster.stats();
  const idleMs = 10_000;
  rig.cluster.runFor(idleMs);
  const end = rig.cluster.stats();
  const sent = end.messagesSent - start.messagesSent;
  // heartbeatTicks 1 at 10 ms: per tick the leader sends n-1 heartbeats and gets n-1 answers.
  const bound = (idleMs / 10) * (nodes.length - 1) * 2 * 1.05;
  assert.ok(sent <= bound, `idle messages ${sent} exceed ${bound}`);
  assert.equal((end.byType.vote ?? 0) - (start.byType.vote ?? 0), 0, "no elections while idle");
  const appendsBefore = end.byType.append ?? 0;
  const leader = rig.cluster.leader()!;
  for (let i = 0; i < 30; i++) rig.cluster.propose(leader, bytes(`b${i}`));
  rig.cluster.runFor(200);
  const appends = (rig.cluster.stats().byType.append ?? 0) - appendsBefore;
  // One append per proposal per follower, plus one commit-carrying append per commit advance.
  assert.ok(appends <= 2 * 30 * (nodes.length - 1) + 20, `appends ${appends} for 30 proposals`);
  return rig.cluster;
});

scenario("scenario: unreliable agreement", (seed) => {
  const nodes = ids(5);
  const rig = new Rig({ seed, nodes });
  rig.cluster.setFaults({ dropRate: 0.1, duplicateRate: 0.05, delayMs: [1, 30], reorder: true });
  for (let i = 0; i < 20; i++) rig.one(`u${i}`, 5, 20_000);
  for (const id of nodes) assert.equal(rig.commands(id).length, 20);
  return rig.cluster;
});
