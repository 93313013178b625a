import assert from "node:assert/strict";
import { failuresTolerated, MAX_VOTERS, voterTarget } from "./voter_target.ts";

Deno.test("voterTarget() follows the cluster.md §5 table", () => {
  // members → [voters, failures tolerated], straight from the spec table.
  const table: [number, number, number][] = [
    [0, 0, 0],
    [1, 1, 0],
    [2, 1, 0],
    [3, 3, 1],
    [4, 3, 1],
    [5, 5, 2],
    [6, 5, 2],
    [7, 7, 3],
    [8, 7, 3],
    [9, 7, 3],
    [100, 7, 3],
  ];
  for (const [members, voters, tolerated] of table) {
    assert.equal(voterTarget(members), voters, `target(${members})`);
    assert.equal(failuresTolerated(voterTarget(members)), tolerated, `failures at ${members}`);
  }
});

Deno.test("voterTarget() is always odd (or zero) and never above the cap", () => {
  for (let members = 0; members <= 50; members++) {
    const target = voterTarget(members);
    assert.ok(target <= MAX_VOTERS && target <= members, `target(${members}) = ${target}`);
    assert.ok(target === 0 || target % 2 === 1, `target(${members}) = ${target} is odd`);
  }
});

Deno.test("voterTarget() rejects negative and fractional member counts", () => {
  assert.throws(() => voterTarget(-1), RangeError);
  assert.throws(() => voterTarget(2.5), RangeError);
  assert.throws(() => voterTarget(Number.NaN), RangeError);
});
