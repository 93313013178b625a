/**
 * `deno task test`: runs the whole suite (unit tests beside the code, plus the
 * cross-feature suites under `tests/`) with `deno test`, then prints one plain
 * summary line, `tests: N passed, N failed, N skipped`, counted from Deno's
 * JUnit report. CI reads that line; Deno's own summary has a different shape.
 *
 * Extra arguments are passed to `deno test` (e.g. a path or `--filter`).
 *
 * A watchdog (`JACO_TEST_TIMEOUT_MIN`, default 45 minutes) kills a run that
 * hangs, so CI fails with a summary line instead of running out its time.
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
  const timeoutMin = Number(Deno.env.get("JACO_TEST_TIMEOUT_MIN") ?? "45");
  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    console.error(`tests: no end after ${timeoutMin} min; killing deno test`);
    child.kill("SIGKILL");
  }, timeoutMin * 60_000);
  const status = await child.status;
  clearTimeout(watchdog);
  let report = "";
  try {
    report = await Deno.readTextFile(junitPath);
  } catch {
    // No report means deno test died before writing one; the summary below counts that as a failure.
  }
  const summary = summarizeJunit(report);
  const failed = summary.failed + (status.success || (summary.failed > 0 && !timedOut) ? 0 : 1);
  console.log(`tests: ${summary.passed} passed, ${failed} failed, ${summary.skipped} skipped`);
  Deno.exit(status.success ? 0 : 1);
} finally {
  await Deno.remove(junitPath).catch(() => {/* already gone: nothing to clean */});
}
