import assert from "node:assert/strict";
import { applyConfChange, decodeConfChange, encodeConfChange, quorumMatch } from "./_conf.ts";

Deno.test("encodeConfChange() round-trips the change and its context", () => {
  const change = { type: "add_voter" as const, node: "b", context: new Uint8Array([0, 255, 7]) };
  assert.deepEqual(decodeConfChange(encodeConfChange(change)), change);
  assert.deepEqual(decodeConfChange(encodeConfChange({ type: "remove_node", node: "c" })), {
    type: "remove_node",
    node: "c",
  });
});

Deno.test("decodeConfChange() rejects malformed data", () => {
  assert.throws(
    () => decodeConfChange(new TextEncoder().encode('{"type":"nope","node":"a"}')),
    TypeError,
  );
  assert.throws(
    () => decodeConfChange(new TextEncoder().encode('{"type":"add_voter"}')),
    TypeError,
  );
});

Deno.test("applyConfChange() promotes a learner and removes from either set", () => {
  let conf = { voters: ["a"], learners: [] as string[] };
  conf = applyConfChange(conf, { type: "add_learner", node: "b" });
  assert.deepEqual(conf, { voters: ["a"], learners: ["b"] });
  conf = applyConfChange(conf, { type: "add_voter", node: "b" });
  assert.deepEqual(conf, { voters: ["a", "b"], learners: [] });
  conf = applyConfChange(conf, { type: "add_learner", node: "a" });
  assert.deepEqual(conf.voters, ["a", "b"], "a voter is not demoted");
  conf = applyConfChange(conf, { type: "remove_node", node: "a" });
  assert.deepEqual(conf, { voters: ["b"], learners: [] });
});

Deno.test("quorumMatch() is the highest index held by a majority", () => {
  const match: Record<string, number> = { a: 9, b: 7, c: 3, d: 1, e: 8 };
  assert.equal(quorumMatch(["a", "b", "c", "d", "e"], (id) => match[id]), 7);
  assert.equal(quorumMatch(["a", "b"], (id) => match[id]), 7);
  assert.equal(quorumMatch([], () => 5), 0);
});
