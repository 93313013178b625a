import assert from "node:assert/strict";
import { checkLinearizable } from "./linearizability.ts";
import { runSeed } from "./workload.ts";

/** Seeds CI replays on every run; `deno task sim --seeds N` explores further. */
const ciSeeds = 250;

Deno.test(`runSeed() finds no violation in ${ciSeeds} seeded fault-injection runs`, () => {
  const failed: string[] = [];
  let completed = 0;
  let indeterminate = 0;
  for (let seed = 1; seed <= ciSeeds; seed++) {
    const result = runSeed(seed);
    completed += result.completedOps;
    indeterminate += result.indeterminateOps;
    if (!result.ok) {
      failed.push(
        `seed=${seed} FAILED: ${result.failures.join("; ")}\n  ${result.nemesisLog.join("\n  ")}`,
      );
    }
  }
  assert.deepEqual(failed, [], `replay with: deno task sim --start <seed> --seeds 1`);
  // The runs must actually exercise the cluster, faults and all.
  assert.ok(completed > ciSeeds * 100, `only ${completed} operations completed`);
  assert.ok(indeterminate > 0, "no operation ever timed out: the nemesis is not biting");
});

Deno.test("runSeed() replays a seed exactly", () => {
  const first = runSeed(7);
  const second = runSeed(7);
  assert.deepEqual(second.history, first.history);
  assert.deepEqual(second.nemesisLog, first.nemesisLog);
  assert.notDeepEqual(runSeed(8).history, first.history);
});

Deno.test("runSeed() records a history the checker can refute when one answer is altered", () => {
  const { history } = runSeed(3);
  const index = history.findLastIndex((op) =>
    op.op === "get" && Number.isFinite(op.completeMs) && op.output !== null
  );
  assert.ok(index >= 0, "the run completed no read of a written value");
  const tampered = history.with(index, { ...history[index], output: "never-written" });
  assert.equal(checkLinearizable(history).outcome, "linearizable");
  assert.equal(checkLinearizable(tampered).outcome, "violation");
});

Deno.test("runSeed() varies cluster size and fault kinds across seeds", () => {
  const runs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((seed) => runSeed(seed));
  assert.deepEqual(new Set(runs.map((run) => run.nodes)), new Set([3, 5]));
  const log = runs.flatMap((run) => run.nemesisLog).join("\n");
  for (const action of ["partition", "isolate leader", "crash", "restart", "faults", "heal"]) {
    assert.match(log, new RegExp(action), `no ${action} in the first seeds`);
  }
});
