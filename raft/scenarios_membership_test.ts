import assert from "node:assert/strict";
import { bytes, ids, Rig, scenario } from "./_scenario_kit_test.ts";
import { ConfChangeType, type NodeId } from "./types.ts";

/** Proposes a conf change on the leader, retrying while one is pending; waits for it to commit everywhere up. */
function change(rig: Rig, type: ConfChangeType, node: NodeId): void {
  const ok = rig.cluster.runUntil(() => {
    const leader = rig.cluster.leader();
    if (leader === undefined) return false;
    const result = rig.cluster.node(leader).proposeConfChange({ type, node });
    return result.ok;
  }, 5000);
  assert.ok(ok, `conf change ${type} ${node} accepted`);
  assert.ok(
    rig.cluster.runUntil(() => {
      const leader = rig.cluster.leader();
      if (leader === undefined) return false;
      const conf = rig.cluster.node(leader).status().conf;
      return type === ConfChangeType.removeNode
        ? !conf.voters.includes(node) && !conf.learners.includes(node)
        : (type === ConfChangeType.addVoter ? conf.voters : conf.learners).includes(node);
    }, 5000),
    `conf change ${type} ${node} committed`,
  );
}

scenario("scenario: membership add (learner, then promote) and remove under load", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes });
  rig.leader();
  let counter = 0;
  const load = () => {
    const leader = rig.cluster.leader();
    if (leader !== undefined) rig.cluster.propose(leader, bytes(`m${counter++}`));
  };
  const pump = (ms: number) => {
    for (let t = 0; t < ms; t += 20) {
      load();
      rig.cluster.runFor(20);
    }
  };
  pump(300);
  rig.cluster.addNode("n4");
  change(rig, ConfChangeType.addLearner, "n4");
  pump(300);
  const leader = rig.cluster.leader()!;
  assert.ok(
    rig.cluster.runUntil(
      () => rig.cluster.node("n4").status().applied >= rig.cluster.node(leader).status().commit,
      3000,
    ),
    "learner caught up",
  );
  assert.equal(rig.cluster.node("n4").status().role, "follower");
  change(rig, ConfChangeType.addVoter, "n4");
  pump(300);
  const victim = nodes.find((id) => id !== rig.cluster.leader())!;
  change(rig, ConfChangeType.removeNode, victim);
  pump(300);
  const members = ["n4", ...nodes.filter((id) => id !== victim)];
  rig.one("m-end", 3);
  for (const id of members) {
    assert.deepEqual(rig.cluster.node(id).status().conf.voters, members.sort());
    assert.deepEqual(rig.commands(id), rig.commands(rig.cluster.leader()!));
  }
  // With the removed node gone for good, the three remaining voters still make progress.
  rig.cluster.crash(victim);
  rig.one("m-after-remove", 3);
  return rig.cluster;
});

scenario("scenario: remove the leader — it steps down and the rest elect a new one", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes });
  rig.one("r1", 3);
  const leader = rig.cluster.leader()!;
  change(rig, ConfChangeType.removeNode, leader);
  assert.ok(
    rig.cluster.runUntil(() => {
      const l = rig.cluster.leader();
      return l !== undefined && l !== leader;
    }, 200),
    "a remaining voter leads at once (the removed leader hands over with TimeoutNow)",
  );
  assert.notEqual(rig.cluster.node(leader).status().role, "leader");
  assert.ok(
    !rig.cluster.node(leader).status().conf.voters.includes(leader),
    "it knows it was removed",
  );
  rig.one("r2", 2);
  rig.cluster.runFor(2000);
  assert.notEqual(
    rig.cluster.node(leader).status().role,
    "leader",
    "the removed node never campaigns",
  );
  return rig.cluster;
});

scenario("scenario: a second conf change waits until the first commits", (seed) => {
  const rig = new Rig({ seed, nodes: ids(3) });
  rig.one("c", 3);
  const leader = rig.cluster.leader()!;
  rig.cluster.addNode("n4");
  rig.cluster.addNode("n5");
  const first = rig.cluster.node(leader).proposeConfChange({ type: "add_learner", node: "n4" });
  const second = rig.cluster.node(leader).proposeConfChange({ type: "add_learner", node: "n5" });
  assert.ok(first.ok);
  assert.ok(!second.ok && second.reason === "conf_change_pending");
  change(rig, ConfChangeType.addLearner, "n5");
  return rig.cluster;
});

scenario("scenario: a learner neither votes nor counts towards commit", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes });
  rig.one("l1", 3);
  rig.cluster.addNode("n4");
  change(rig, ConfChangeType.addLearner, "n4");
  rig.one("l2", 4);
  const leader = rig.cluster.leader()!;
  const others = nodes.filter((id) => id !== leader);
  // Leader + learner are two of four members but only one of three voters.
  rig.cluster.partition([[leader, "n4"], others]);
  const result = rig.cluster.propose(leader, bytes("l3"));
  assert.ok(result.ok);
  rig.cluster.runFor(1000);
  assert.equal(rig.countAt(result.index, "l3"), 0, "a learner's ack does not commit");
  assert.notEqual(
    rig.cluster.node(leader).status().role,
    "leader",
    "check-quorum ignores the learner",
  );
  rig.cluster.partition([["n4", others[0]], [leader, others[1]]]);
  rig.cluster.runFor(1000);
  assert.notEqual(rig.cluster.node("n4").status().role, "leader", "a learner never campaigns");
  rig.cluster.heal();
  rig.one("l4", 4);
  return rig.cluster;
});
