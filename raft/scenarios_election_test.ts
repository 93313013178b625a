import assert from "node:assert/strict";
import { ids, Rig, scenario } from "./_scenario_kit_test.ts";
import { Rng } from "./sim/rng.ts";

function terms(rig: Rig): number[] {
  return rig.cluster.members().filter((id) => rig.cluster.isUp(id)).map((id) =>
    rig.cluster.node(id).status().term
  );
}

scenario("scenario: initial election elects one leader and keeps it while healthy", (seed) => {
  const rig = new Rig({ seed, nodes: ids(3) });
  const leader = rig.leader(1000);
  rig.cluster.runFor(200);
  const term = rig.cluster.node(leader).status().term;
  assert.ok(terms(rig).every((t) => t === term), "all nodes agree on the term");
  rig.cluster.runFor(3000);
  assert.equal(rig.cluster.leader(), leader, "leader unchanged without failures");
  assert.equal(rig.cluster.node(leader).status().term, term, "term unchanged without failures");
  return rig.cluster;
});

scenario("scenario: re-election after leader loss", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes });
  const first = rig.leader();
  rig.cluster.partition([[first], nodes.filter((id) => id !== first)]);
  assert.ok(
    rig.cluster.runUntil(() => {
      const l = rig.cluster.leader();
      return l !== undefined && l !== first;
    }, 2000),
    "the majority elects a new leader",
  );
  rig.cluster.heal();
  rig.cluster.runFor(1000);
  const leaders = nodes.filter((id) => rig.cluster.node(id).status().role === "leader");
  assert.equal(leaders.length, 1, "the old leader stepped down on rejoining");
  // Without a majority nobody may lead.
  const second = rig.cluster.leader()!;
  const others = nodes.filter((id) => id !== second);
  rig.cluster.partition([[second], [others[0]], [others[1]]]);
  rig.cluster.runFor(2000);
  assert.equal(rig.cluster.leader(), undefined, "no leader without a majority");
  rig.cluster.heal();
  rig.leader(2000);
  return rig.cluster;
});

scenario("scenario: many elections under churn", (seed) => {
  const nodes = ids(7);
  const rig = new Rig({ seed, nodes });
  const rng = new Rng(seed * 7919);
  rig.leader();
  for (let round = 0; round < 10; round++) {
    const shuffled = [...nodes].sort(() => rng.next() - 0.5);
    const cut = shuffled.slice(0, 3);
    rig.cluster.partition([cut, shuffled.slice(3)]);
    // A majority of four is connected: a leader must emerge among them.
    assert.ok(
      rig.cluster.runUntil(() => {
        const l = rig.cluster.leader();
        return l !== undefined && !cut.includes(l) &&
          rig.cluster.node(l).status().commit === rig.cluster.node(l).status().lastIndex;
      }, 3000),
      `round ${round}: no leader in the majority`,
    );
    rig.cluster.heal();
    rig.cluster.runFor(300);
  }
  return rig.cluster;
});

scenario(
  "scenario: pre-vote stops a rejoining partitioned node from disrupting the leader",
  (seed) => {
    const nodes = ids(3);
    const rig = new Rig({ seed, nodes });
    const leader = rig.leader();
    rig.cluster.runFor(200);
    const term = rig.cluster.node(leader).status().term;
    const follower = nodes.find((id) => id !== leader)!;
    rig.cluster.partition([[follower], nodes.filter((id) => id !== follower)]);
    rig.cluster.runFor(3000); // many election timeouts of pre-votes that go nowhere
    assert.equal(
      rig.cluster.node(follower).status().term,
      term,
      "isolated node did not bump its term",
    );
    rig.cluster.heal();
    rig.cluster.runFor(2000);
    assert.equal(rig.cluster.leader(), leader, "leader unchanged");
    assert.ok(terms(rig).every((t) => t === term), "term did not grow");
    return rig.cluster;
  },
);

Deno.test("scenario: without pre-vote the same rejoin does disrupt (control for the pre-vote test)", () => {
  const nodes = ids(3);
  const rig = new Rig({ seed: 1, nodes, config: { preVote: false, checkQuorum: false } });
  const leader = rig.leader();
  rig.cluster.runFor(200);
  const term = rig.cluster.node(leader).status().term;
  const follower = nodes.find((id) => id !== leader)!;
  rig.cluster.partition([[follower], nodes.filter((id) => id !== follower)]);
  rig.cluster.runFor(3000);
  rig.cluster.heal();
  rig.cluster.runFor(2000);
  assert.ok(rig.cluster.node(leader).status().term > term, "the rejoining node forced a new term");
  assert.deepEqual(rig.cluster.checkSafety(), []);
});

scenario("scenario: check-quorum steps down an isolated leader", (seed) => {
  const nodes = ids(5);
  const rig = new Rig({ seed, nodes });
  const leader = rig.leader();
  rig.cluster.partition([[leader], nodes.filter((id) => id !== leader)]);
  // Check-quorum runs every election timeout (100 ms): two of them are plenty.
  rig.cluster.runFor(250);
  assert.notEqual(rig.cluster.node(leader).status().role, "leader", "isolated leader stepped down");
  return rig.cluster;
});

scenario("scenario: leadership transfer hands over to the chosen voter", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes });
  const leader = rig.leader();
  rig.one("before", 3);
  const target = nodes.find((id) => id !== leader)!;
  const term = rig.cluster.node(leader).status().term;
  rig.cluster.node(leader).transferLeadership(target);
  const refused = rig.cluster.propose(leader, new Uint8Array([1]));
  assert.ok(
    !refused.ok && refused.reason === "transfer_in_progress",
    "proposals wait for the transfer",
  );
  assert.ok(rig.cluster.runUntil(() => rig.cluster.leader() === target, 1000), "target leads");
  assert.equal(rig.cluster.node(target).status().term, term + 1);
  rig.one("after", 3);
  return rig.cluster;
});
