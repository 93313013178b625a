import assert from "node:assert/strict";
import { NodeSuffrage_Kind } from "../../proto/mod.ts";
import { Role } from "../../raft/mod.ts";
import { suffrageView } from "./suffrage_view.ts";

const config = { voters: ["c", "a"], learners: ["b", "d"] };

Deno.test("suffrageView() reports every member's suffrage on the leader, sorted", () => {
  assert.deepEqual(suffrageView({ role: "leader", config }), [
    { hostname: "a", kind: NodeSuffrage_Kind.KIND_VOTER },
    { hostname: "b", kind: NodeSuffrage_Kind.KIND_NONVOTER },
    { hostname: "c", kind: NodeSuffrage_Kind.KIND_VOTER },
    { hostname: "d", kind: NodeSuffrage_Kind.KIND_NONVOTER },
  ]);
});

Deno.test("suffrageView() reports nothing on followers and candidates", () => {
  for (const role of [Role.follower, Role.candidate, Role.preCandidate]) {
    assert.deepEqual(suffrageView({ role, config }), [], role);
  }
});

Deno.test("suffrageView() lists a server in both sets once, as a voter", () => {
  assert.deepEqual(suffrageView({ role: "leader", config: { voters: ["a"], learners: ["a"] } }), [
    { hostname: "a", kind: NodeSuffrage_Kind.KIND_VOTER },
  ]);
});
