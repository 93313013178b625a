import assert from "node:assert/strict";
import { RaftNode } from "./node.ts";
import { type Message, Role } from "./types.ts";

function cluster(ids: string[]): Map<string, RaftNode> {
  const nodes = new Map<string, RaftNode>();
  for (const id of ids) {
    nodes.set(
      id,
      new RaftNode(
        { id, electionTicks: 10, heartbeatTicks: 1, random: () => 0 },
        {
          hardState: { term: 0, vote: "", commit: 0 },
          entries: [],
          conf: { voters: ids, learners: [] },
        },
      ),
    );
  }
  return nodes;
}

/** Delivers messages until quiet, dropping those `drop` selects. */
function settle(nodes: Map<string, RaftNode>, drop: (m: Message) => boolean = () => false) {
  for (let round = 0; round < 100; round++) {
    const pending: Message[] = [];
    for (const n of nodes.values()) {
      while (n.hasReady()) {
        const ready = n.ready();
        pending.push(...ready.messages);
        n.advance(ready);
      }
    }
    if (pending.length === 0) return;
    for (const m of pending) if (!drop(m)) nodes.get(m.to)?.step(m);
  }
  throw new Error("cluster did not settle");
}

Deno.test("RaftNode.status() peerContactTicks grows only for a silent peer, leader only", () => {
  const nodes = cluster(["a", "b", "c"]);
  const a = nodes.get("a")!;
  a.campaign();
  settle(nodes);
  assert.equal(a.status().role, Role.leader);
  assert.deepEqual(a.status().peerContactTicks, { b: 0, c: 0 });
  assert.equal(nodes.get("b")!.status().peerContactTicks, undefined);

  const silentC = (m: Message) => m.from === "c" || m.to === "c";
  for (let tick = 0; tick < 5; tick++) {
    a.tick();
    settle(nodes, silentC);
  }
  assert.deepEqual(a.status().peerContactTicks, { b: 0, c: 5 });

  for (let tick = 0; tick < 2; tick++) {
    a.tick();
    settle(nodes);
  }
  assert.deepEqual(a.status().peerContactTicks, { b: 0, c: 0 });
});
