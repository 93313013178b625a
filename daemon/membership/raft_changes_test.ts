import assert from "node:assert/strict";
import { ConfChangeType } from "../../raft/mod.ts";
import { raftChangesOf, VoterChangeError } from "./raft_changes.ts";

const decoder = new TextDecoder();

Deno.test("raftChangesOf() promotes with add_voter carrying the address", () => {
  const changes = raftChangesOf({ kind: "promote", server: "b", address: "b:7001" }, new Map());
  assert.equal(changes.length, 1);
  assert.equal(changes[0].type, ConfChangeType.addVoter);
  assert.equal(changes[0].node, "b");
  assert.equal(decoder.decode(changes[0].context), "b:7001");
});

Deno.test("raftChangesOf() demotes as remove_node then add_learner", () => {
  const changes = raftChangesOf({ kind: "demote", server: "c" }, new Map([["c", "c:7001"]]));
  assert.deepEqual(changes.map((c) => [c.type, c.node]), [
    [ConfChangeType.removeNode, "c"],
    [ConfChangeType.addLearner, "c"],
  ]);
  assert.equal(decoder.decode(changes[1].context), "c:7001");
});

Deno.test("raftChangesOf() refuses to demote a voter without an address", () => {
  assert.throws(
    () => raftChangesOf({ kind: "demote", server: "c" }, new Map()),
    (error: unknown) =>
      error instanceof VoterChangeError && /voter c has no known address/.test(error.message),
  );
});
