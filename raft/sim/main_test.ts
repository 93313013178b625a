import assert from "node:assert/strict";
import { JacoError } from "../../proto/errors.ts";
import { parseSimArgs, runSeeds } from "./main.ts";

Deno.test("parseSimArgs() reads --seeds and --start with defaults", () => {
  assert.deepEqual(parseSimArgs(["--seeds", "20", "--start", "7"]), {
    seeds: 20,
    start: 7,
    verbose: false,
  });
  assert.equal(parseSimArgs([]).start, 1);
  assert.throws(
    () => parseSimArgs(["--seeds", "ten"]),
    (error: JacoError) =>
      error.code === "validation_failed" &&
      /--seeds must be a non-negative integer/.test(error.message),
  );
  assert.throws(() => parseSimArgs(["--start", "-1"]), /--start/);
  assert.throws(() => parseSimArgs(["--bogus"]), JacoError);
});

Deno.test("runSeeds() ends with the seeds/violations summary line", () => {
  const lines: string[] = [];
  const violations = runSeeds({ seeds: 2, start: 40, verbose: false }, (line) => lines.push(line));
  assert.equal(violations, 0);
  assert.equal(lines.at(-1), "seeds=2 violations=0");
});
