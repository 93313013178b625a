import assert from "node:assert/strict";
import { runHostCommand } from "./host_command.ts";

Deno.test("runHostCommand() captures stdout, stderr and the exit code, and feeds stdin", async () => {
  const out = await runHostCommand("sh", ["-c", "cat; echo oops >&2; exit 3"], "hello\n");
  assert.deepEqual(out, { code: 3, stdout: "hello\n", stderr: "oops\n" });
  const closed = await runHostCommand("sh", ["-c", "cat; echo done"]);
  assert.deepEqual(closed, { code: 0, stdout: "done\n", stderr: "" });
});

Deno.test("runHostCommand() reports a missing program as exit code 127 with the reason", async () => {
  const out = await runHostCommand("jaco-no-such-tool", ["--version"]);
  assert.equal(out.code, 127);
  assert.equal(out.stdout, "");
  assert.match(out.stderr, /^jaco-no-such-tool: /);
});
