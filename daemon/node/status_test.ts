import assert from "node:assert/strict";
import { Node, NodeStatus, NodeSuffrage_Kind } from "../../proto/mod.ts";
import { clusterStatus } from "./status.ts";

const node = (hostname: string, address: string) =>
  Node.fromPartial({ hostname, address, status: NodeStatus.NODE_STATUS_READY });

Deno.test("clusterStatus() reports uninitialized with no nodes before raft runs", () => {
  const status = clusterStatus({
    nodes: [node("a", "x:1")],
    raft: undefined,
    meshMode: "unavailable",
  });
  assert.equal(status.initialized, false);
  assert.deepEqual(status.nodes, []);
  assert.equal(status.leader, "");
});

Deno.test("clusterStatus() on the leader sorts nodes and lists voters and nonvoters", () => {
  const status = clusterStatus({
    nodes: [node("b", "10.0.0.2:7001"), node("a", "10.0.0.1:7001")],
    raft: { role: "leader", leader: "b", lastIndex: 42, conf: { voters: ["b"], learners: ["a"] } },
    meshMode: "unavailable",
  });
  assert.equal(status.initialized, true);
  assert.deepEqual(status.nodes.map((n) => n.hostname), ["a", "b"]);
  assert.equal(status.leader, "b");
  assert.equal(status.leaderAddress, "10.0.0.2:7001");
  assert.equal(status.raftIndex, 42);
  assert.deepEqual(status.suffrages, [
    { hostname: "a", kind: NodeSuffrage_Kind.KIND_NONVOTER },
    { hostname: "b", kind: NodeSuffrage_Kind.KIND_VOTER },
  ]);
});

Deno.test("clusterStatus() on a follower reports suffrages from its own raft configuration", () => {
  const status = clusterStatus({
    nodes: [node("a", "10.0.0.1:7001")],
    raft: {
      role: "follower",
      leader: "",
      lastIndex: 7,
      conf: { voters: ["a", "b"], learners: [] },
    },
    meshMode: "unavailable",
  });
  assert.deepEqual(status.suffrages, [
    { hostname: "a", kind: NodeSuffrage_Kind.KIND_VOTER },
    { hostname: "b", kind: NodeSuffrage_Kind.KIND_VOTER },
  ]);
  assert.equal(status.leader, "");
  assert.equal(status.leaderAddress, "");
});

Deno.test("clusterStatus() on a candidate still reports its configuration's voters and learners", () => {
  const status = clusterStatus({
    nodes: [node("a", "10.0.0.1:7001"), node("c", "10.0.0.3:7001")],
    raft: {
      role: "candidate",
      leader: "",
      lastIndex: 9,
      conf: { voters: ["c", "a"], learners: ["b"] },
    },
    meshMode: "unavailable",
  });
  assert.deepEqual(status.suffrages.map((s) => [s.hostname, s.kind]), [
    ["a", NodeSuffrage_Kind.KIND_VOTER],
    ["b", NodeSuffrage_Kind.KIND_NONVOTER],
    ["c", NodeSuffrage_Kind.KIND_VOTER],
  ]);
});
