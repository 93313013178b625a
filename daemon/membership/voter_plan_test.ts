import assert from "node:assert/strict";
import { planVoterChange, type PlanVoterChangeOptions, VoterPlanReason } from "./voter_plan.ts";

const addr = (id: string) => `${id}.test:7001`;

/** Options where every listed server was first seen at 0 and has an address. */
function options(
  voters: string[],
  learners: string[],
  overrides: Partial<PlanVoterChangeOptions> = {},
): PlanVoterChangeOptions {
  const all = [...voters, ...learners];
  return {
    config: { voters, learners },
    leader: voters[0] ?? "",
    firstSeenMs: new Map(all.map((id) => [id, 0])),
    nowMs: 10_000,
    addresses: new Map(all.map((id) => [id, addr(id)])),
    ...overrides,
  };
}

Deno.test("planVoterChange() promotes the lexicographically smallest eligible learner", () => {
  const plan = planVoterChange(options(["a"], ["d", "b", "c"]));
  assert.deepEqual(plan.change, { kind: "promote", server: "b", address: addr("b") });
  assert.equal(plan.reason, VoterPlanReason.promote);
  assert.deepEqual([plan.members, plan.voters, plan.target], [4, 1, 3]);
  assert.match(plan.detail, /promoting nonvoter b/);
});

Deno.test("planVoterChange() waits until a learner was seen for promoteAfterMs", () => {
  // Three members → target 3, one voter: a promotion is wanted.
  const seen = new Map([["a", 0], ["b", 8000], ["c", 6999]]);
  const plan = planVoterChange(options(["a"], ["b", "c"], { firstSeenMs: seen }));
  // b is only 2 s old; c has been seen for 3001 ms and goes first although it sorts later.
  assert.deepEqual(plan.change, { kind: "promote", server: "c", address: addr("c") });
  const young = new Map([["a", 0], ["b", 8000], ["c", 9000]]);
  const exact = planVoterChange(options(["a"], ["b", "c"], { firstSeenMs: young, nowMs: 11_000 }));
  assert.equal(exact.change?.server, "b", "seen exactly promoteAfterMs ago is eligible");
  const early = planVoterChange(options(["a"], ["b", "c"], { firstSeenMs: young, nowMs: 10_999 }));
  assert.equal(early.change, undefined);
  assert.equal(early.reason, VoterPlanReason.noEligibleLearner);
});

Deno.test("planVoterChange() treats a learner never seen as not yet eligible", () => {
  const plan = planVoterChange(options(["a"], ["b", "c"], { firstSeenMs: new Map([["a", 0]]) }));
  assert.equal(plan.change, undefined);
  assert.equal(plan.reason, VoterPlanReason.noEligibleLearner);
});

Deno.test("planVoterChange() honours a custom promoteAfterMs", () => {
  const seen = new Map([["a", 0], ["b", 9500], ["c", 9501]]);
  const custom = options(["a"], ["b", "c"], { firstSeenMs: seen, promoteAfterMs: 500 });
  assert.equal(planVoterChange(custom).change?.server, "b");
  assert.equal(planVoterChange({ ...custom, promoteAfterMs: undefined }).change, undefined);
});

Deno.test("planVoterChange() skips a learner without an address and warns", () => {
  const base = options(["a"], ["b", "c"]);
  const plan = planVoterChange({ ...base, addresses: new Map([["c", addr("c")]]) });
  assert.deepEqual(plan.change, { kind: "promote", server: "c", address: addr("c") });
  assert.equal(plan.warnings.length, 1);
  assert.match(plan.warnings[0], /nonvoter b has no known address/);
  const empty = planVoterChange({ ...base, addresses: new Map([["b", ""]]) });
  assert.equal(empty.change, undefined, "an empty address is no address");
  assert.equal(empty.warnings.length, 2);
});

Deno.test("planVoterChange() demotes the lexicographically largest non-leader voter", () => {
  const plan = planVoterChange(options(["a", "c", "b", "d"], []));
  assert.deepEqual(plan.change, { kind: "demote", server: "d" });
  assert.equal(plan.reason, VoterPlanReason.demote);
  assert.deepEqual([plan.members, plan.voters, plan.target], [4, 4, 3]);
});

Deno.test("planVoterChange() never demotes the leader, even when it sorts last", () => {
  const plan = planVoterChange(options(["a", "b", "c", "d"], [], { leader: "d" }));
  assert.deepEqual(plan.change, { kind: "demote", server: "c" });
});

Deno.test("planVoterChange() caps voters at seven", () => {
  const eight = ["a", "b", "c", "d", "e", "f", "g", "h"];
  const plan = planVoterChange(options(eight, [], { leader: "h" }));
  assert.deepEqual(plan.change, { kind: "demote", server: "g" });
  assert.equal(plan.target, 7);
  const nine = planVoterChange(options(["a", "b", "c", "d", "e", "f"], ["g", "h", "i"]));
  assert.deepEqual(nine.change, { kind: "promote", server: "g", address: addr("g") });
});

Deno.test("planVoterChange() does nothing at target", () => {
  for (const [voters, learners] of [[["a"], ["b"]], [["a", "b", "c"], ["d"]], [["a"], []]]) {
    const plan = planVoterChange(options(voters, learners));
    assert.equal(plan.change, undefined);
    assert.equal(plan.reason, VoterPlanReason.atTarget);
  }
});

Deno.test("planVoterChange() is deterministic whatever the input order", () => {
  const one = planVoterChange(options(["a"], ["e", "c", "d", "b"]));
  const two = planVoterChange(options(["a"], ["b", "d", "c", "e"]));
  assert.deepEqual(one, two);
});
