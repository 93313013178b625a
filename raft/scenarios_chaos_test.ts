import assert from "node:assert/strict";
import { bytes, ids, Rig, scenario } from "./_scenario_kit_test.ts";
import { Rng } from "./sim/rng.ts";

/**
 * Everything at once: crashes, restarts, partitions, an unreliable network,
 * leadership transfers, learners joining and being promoted, voters removed,
 * frequent snapshots with tiny chunks, reads. Afterwards every member must
 * hold the same commands, and no safety invariant may have broken on the way.
 */
scenario("scenario: randomized chaos converges safely", (seed) => {
  const rng = new Rng(seed * 977);
  const config = { snapshotChunkBytes: 50, maxInflight: 4, maxMessageBytes: 200 };
  const rig = new Rig({ seed, nodes: ids(5), config });
  const cluster = rig.cluster;
  cluster.snapshotEvery(rng.int(5, 30));
  if (rng.chance(0.5)) {
    cluster.setFaults({ dropRate: 0.1, duplicateRate: 0.1, delayMs: [1, 30], reorder: true });
  }
  const all = ids(5);
  let counter = 0;
  for (let step = 0; step < 150; step++) {
    for (let k = 0; k < 5; k++) {
      const target = rng.chance(0.8) ? cluster.leader() ?? rng.pick(all) : rng.pick(all);
      cluster.propose(target, bytes(`x${counter++}`));
    }
    const action = rng.next();
    const leader = cluster.leader();
    if (action < 0.1) cluster.crash(rng.pick(all));
    else if (action < 0.25) cluster.restart(rng.pick(all));
    else if (action < 0.32) {
      const cut = [...all].sort(() => rng.next() - 0.5).slice(0, rng.int(1, 2));
      cluster.partition([cut, all.filter((id) => !cut.includes(id))]);
    } else if (action < 0.42) cluster.heal();
    else if (action < 0.46 && leader) cluster.node(leader).transferLeadership(rng.pick(all));
    else if (action < 0.5 && leader) {
      const { conf } = cluster.node(leader).status();
      const choice = rng.next();
      if (choice < 0.3) {
        const id = `n${all.length + 1}`;
        cluster.addNode(id);
        all.push(id);
        cluster.node(leader).proposeConfChange({ type: "add_learner", node: id });
      } else if (choice < 0.6 && conf.learners.length > 0) {
        cluster.node(leader).proposeConfChange({
          type: "add_voter",
          node: rng.pick(conf.learners),
        });
      } else if (conf.voters.length > 3) {
        cluster.node(leader).proposeConfChange({
          type: "remove_node",
          node: rng.pick(conf.voters),
        });
      }
    } else if (action < 0.55) cluster.readIndex(rng.pick(all), bytes("read"));
    cluster.runFor(rng.int(5, 200));
  }
  cluster.heal();
  cluster.setFaults({ dropRate: 0, duplicateRate: 0, delayMs: [1, 5], reorder: false });
  for (const id of all) cluster.restart(id);
  cluster.runFor(2000);
  const leader = rig.leader(10_000);
  const { voters, learners } = cluster.node(leader).status().conf;
  const members = [...voters, ...learners];
  rig.one("final", members.length, 20_000);
  for (const id of members) {
    assert.deepEqual(rig.commands(id), rig.commands(cluster.leader()!), `${id} diverged`);
  }
  return cluster;
}, Array.from({ length: 20 }, (_, i) => i + 1));
