import assert from "node:assert/strict";
import { bytes, ids, Rig, scenario } from "./_scenario_kit_test.ts";
import { Rng } from "./sim/rng.ts";
import type { NodeId } from "./types.ts";

const chunked = { snapshotChunkBytes: 64 };

function proposeMany(rig: Rig, prefix: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const leader = rig.cluster.leader() ?? rig.leader();
    rig.cluster.propose(leader, bytes(`${prefix}${i}`));
    if (i % 10 === 9) rig.cluster.runFor(20);
  }
}

function expected(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

scenario("scenario: snapshot basic — logs are compacted and state is kept", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes });
  rig.cluster.snapshotEvery(10);
  rig.leader();
  proposeMany(rig, "s", 100);
  rig.one("s-end", 3);
  for (const id of nodes) {
    const disk = rig.cluster.disk(id);
    assert.ok((disk.snapshot?.meta.index ?? 0) >= 90, `${id} took snapshots`);
    assert.ok(disk.entries.length <= 12, `${id} log compacted to ${disk.entries.length} entries`);
    assert.deepEqual(rig.commands(id), [...expected("s", 100), "s-end"]);
  }
  return rig.cluster;
});

/** Cuts `lagger` off while the rest commits and compacts, then lets it back in. */
function lagBehind(rig: Rig, nodes: NodeId[], count: number): NodeId {
  rig.one("before", nodes.length);
  const leader = rig.cluster.leader()!;
  const lagger = nodes.find((id) => id !== leader)!;
  rig.cluster.partition([[lagger], nodes.filter((id) => id !== lagger)]);
  proposeMany(rig, "s", count);
  rig.one("mid", nodes.length - 1);
  return lagger;
}

scenario("scenario: snapshot install brings a lagging follower up to date in chunks", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes, config: chunked });
  rig.cluster.snapshotEvery(20);
  const lagger = lagBehind(rig, nodes, 100);
  const before = rig.cluster.stats().byType.snapshot ?? 0;
  rig.cluster.heal();
  rig.one("after", 3);
  const chunks = (rig.cluster.stats().byType.snapshot ?? 0) - before;
  assert.ok(chunks > 1, `snapshot went out in ${chunks} chunks`);
  assert.deepEqual(rig.commands(lagger), ["before", ...expected("s", 100), "mid", "after"]);
  return rig.cluster;
});

scenario("scenario: snapshot install over an unreliable network", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes, config: chunked });
  rig.cluster.snapshotEvery(20);
  const lagger = lagBehind(rig, nodes, 100);
  rig.cluster.setFaults({ dropRate: 0.2, duplicateRate: 0.1, delayMs: [1, 40], reorder: true });
  rig.cluster.heal();
  rig.one("after", 3, 30_000);
  assert.deepEqual(rig.commands(lagger), ["before", ...expected("s", 100), "mid", "after"]);
  return rig.cluster;
});

scenario("scenario: snapshot install with crashes", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes, config: { snapshotChunkBytes: 32 } });
  const rng = new Rng(seed * 31);
  rig.cluster.snapshotEvery(20);
  const lagger = lagBehind(rig, nodes, 100);
  rig.cluster.heal();
  // Crash the receiver (and once the leader) in the middle of the transfer.
  for (let i = 0; i < 6; i++) {
    rig.cluster.runFor(rng.int(5, 40));
    const victim = i === 3 ? rig.cluster.leader() ?? lagger : lagger;
    rig.cluster.crash(victim);
    rig.cluster.runFor(rng.int(5, 200));
    rig.cluster.restart(victim);
  }
  rig.one("after", 3, 20_000);
  assert.deepEqual(rig.commands(lagger), ["before", ...expected("s", 100), "mid", "after"]);
  return rig.cluster;
});

scenario("scenario: all crash after snapshot", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes });
  rig.cluster.snapshotEvery(10);
  rig.leader();
  proposeMany(rig, "s", 50);
  rig.one("s-end", 3);
  for (const id of nodes) rig.cluster.crash(id);
  for (const id of nodes) rig.cluster.restart(id);
  rig.one("again", 3);
  for (const id of nodes) {
    assert.deepEqual(rig.commands(id), [...expected("s", 50), "s-end", "again"]);
  }
  return rig.cluster;
});

scenario("scenario: restart from snapshot restores the state machine", (seed) => {
  const nodes = ids(3);
  const rig = new Rig({ seed, nodes });
  rig.cluster.snapshotEvery(10);
  rig.leader();
  proposeMany(rig, "s", 35);
  rig.one("s-end", 3);
  const follower = nodes.find((id) => id !== rig.cluster.leader())!;
  rig.cluster.crash(follower);
  rig.commands(follower).length = 0; // prove the restart rebuilds it, not the old memory
  rig.cluster.restart(follower);
  assert.ok(rig.commands(follower).length >= 30, "restored from the snapshot at once");
  rig.one("after", 3);
  assert.deepEqual(rig.commands(follower), [...expected("s", 35), "s-end", "after"]);
  return rig.cluster;
});
