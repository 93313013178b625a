/**
 * `deno task test`: runs the whole suite (unit tests beside the code, plus the
 * cross-feature suites under `tests/`) with `deno test`, then prints one plain
 * summary line, `tests: N passed, N failed, N skipped`, counted from Deno's
 * JUnit report. CI reads that line; Deno's own summary has a different shape.
 *
 * Extra arguments are passed to `deno test` (e.g. a path or `--filter`).
 *
 * @module
 */

import { summarizeJunit } from "./_junit.ts";

const junitPath = await Deno.makeTempFile({ prefix: "jaco-junit-", suffix: ".xml" });
try {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", `--junit-path=${junitPath}`, ...Deno.args],
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const status = await child.status;
  let report = "";
  try {
    report = await Deno.readTextFile(junitPath);
  } catch {
    // No report means deno test died before writing one; the summary below counts that as a failure.
  }
  const summary = summarizeJunit(report);
  const failed = summary.failed + (status.success || summary.failed > 0 ? 0 : 1);
  console.log(`tests: ${summary.passed} passed, ${failed} failed, ${summary.skipped} skipped`);
  Deno.exit(status.success ? 0 : 1);
} finally {
  await Deno.remove(junitPath).catch(() => {/* already gone: nothing to clean */});
}
