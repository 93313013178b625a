import assert from "node:assert/strict";
import { bytes, ids, Rig, scenario } from "./_scenario_kit_test.ts";
import { Rng } from "./sim/rng.ts";
import type { NodeId } from "./types.ts";

scenario("scenario: persistence across a crash of all nodes", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes });
  rig.one("p1", 3);
  for (const id of nodes) rig.cluster.crash(id);
  for (const id of nodes) rig.cluster.restart(id);
  rig.one("p2", 3);
  for (const id of nodes) assert.deepEqual(rig.commands(id), ["p1", "p2"]);
  return rig.cluster;
});

scenario("scenario: persistence across a crash of the leader", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes });
  rig.one("p1", 3);
  const leader = rig.cluster.leader()!;
  rig.cluster.crash(leader);
  rig.one("p2", 2);
  const second = rig.cluster.leader()!;
  rig.cluster.crash(second);
  rig.cluster.restart(leader);
  rig.one("p3", 2);
  rig.cluster.restart(second);
  rig.one("p4", 3);
  for (const id of nodes) assert.deepEqual(rig.commands(id), ["p1", "p2", "p3", "p4"]);
  return rig.cluster;
});

scenario("scenario: persistence across a crash of a minority", (seed) => {
  const nodes = ids(5);
  const rig = new Rig({ seed, nodes });
  rig.one("p1", 5);
  const leader = rig.cluster.leader()!;
  const minority = nodes.filter((id) => id !== leader).slice(0, 2);
  for (const id of minority) rig.cluster.crash(id);
  rig.one("p2", 3);
  for (const id of minority) rig.cluster.restart(id);
  rig.one("p3", 5);
  for (const id of nodes) assert.deepEqual(rig.commands(id), ["p1", "p2", "p3"]);
  return rig.cluster;
});

/**
 * 6.824's Figure 8 test: leaders crash right after proposing so entries of
 * older terms linger; the current-term commit rule must keep them safe.
 */
function figure8(seed: number, unreliable: boolean) {
  const nodes = ids(5);
  const rig = new Rig({ seed, nodes });
  const rng = new Rng(seed * 104729);
  if (unreliable) {
    rig.cluster.setFaults({ dropRate: 0.1, duplicateRate: 0.05, delayMs: [1, 40], reorder: true });
  }
  rig.one("f-start", 5);
  let up = nodes.length;
  for (let iter = 0; iter < 200; iter++) {
    const leader = rig.cluster.leader();
    if (leader !== undefined) rig.cluster.propose(leader, bytes(`f${iter}`));
    rig.cluster.runFor(rng.chance(0.1) ? rng.int(0, 1000) : rng.int(0, 30));
    if (leader !== undefined && rig.cluster.isUp(leader) && rng.chance(0.5)) {
      rig.cluster.crash(leader);
      up--;
    }
    if (up < 3) {
      const down = nodes.filter((id) => !rig.cluster.isUp(id));
      rig.cluster.restart(rng.pick(down));
      up++;
    }
  }
  rig.cluster.setFaults({ dropRate: 0, duplicateRate: 0, delayMs: [1, 5], reorder: false });
  for (const id of nodes) rig.cluster.restart(id);
  rig.one("f-end", 5, 20_000);
  return rig.cluster;
}

scenario("scenario: Figure 8 (reliable network)", (seed) => figure8(seed, false));
scenario("scenario: Figure 8 (unreliable network)", (seed) => figure8(seed, true));

/** Random crashes, restarts and partitions while clients keep proposing. */
function churn(seed: number, unreliable: boolean) {
  const nodes = ids(5);
  const rig = new Rig({ seed, nodes });
  const rng = new Rng(seed * 15485863);
  if (unreliable) {
    rig.cluster.setFaults({ dropRate: 0.1, duplicateRate: 0.05, delayMs: [1, 40], reorder: true });
  }
  const acknowledged: { index: number; command: string }[] = [];
  rig.cluster.onApply((_id, entry) => {
    const command = new TextDecoder().decode(entry.data);
    if (command.startsWith("ch-") && !acknowledged.some((a) => a.command === command)) {
      acknowledged.push({ index: entry.index, command });
    }
  });
  let counter = 0;
  for (let step = 0; step < 60; step++) {
    for (let k = 0; k < 3; k++) {
      const target: NodeId = rng.pick(nodes);
      rig.cluster.propose(target, bytes(`ch-${counter++}`));
    }
    const action = rng.next();
    if (action < 0.2) rig.cluster.crash(rng.pick(nodes));
    else if (action < 0.5) rig.cluster.restart(rng.pick(nodes));
    else if (action < 0.6) {
      const cut = [...nodes].sort(() => rng.next() - 0.5).slice(0, rng.int(1, 2));
      rig.cluster.partition([cut, nodes.filter((id) => !cut.includes(id))]);
    } else if (action < 0.75) rig.cluster.heal();
    rig.cluster.runFor(rng.int(10, 300));
  }
  rig.cluster.heal();
  rig.cluster.setFaults({ dropRate: 0, duplicateRate: 0, delayMs: [1, 5], reorder: false });
  for (const id of nodes) rig.cluster.restart(id);
  rig.one("churn-end", 5, 20_000);
  for (const id of nodes) {
    const commands = rig.commands(id);
    for (const { command } of acknowledged) {
      assert.ok(commands.includes(command), `${id} lost committed ${command}`);
    }
  }
  return rig.cluster;
}

scenario("scenario: reliable churn", (seed) => churn(seed, false));
scenario("scenario: unreliable churn", (seed) => churn(seed, true));
