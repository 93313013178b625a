/**
 * The README's first command: `deno task up` brings up a local 3-node cluster running the sample
 * stack, prints `jaco status` once every replica runs, and tears everything down on Ctrl-C.
 */
import assert from "node:assert/strict";
import { DEFAULT_STATE_ROOT, rigSupport } from "./rig/mod.ts";
import { converged, NODE_NAMES } from "./demo/up.ts";
import denoConfig from "../deno.json" with { type: "json" };

const support = rigSupport({ docker: true });
if (!support.ok) console.log(`skipped deno task up: ${support.reason}`);

Deno.test("converged: every replica listed in the status JSON runs", () => {
  const status = (states: string[]) =>
    JSON.stringify({
      deployments: [{ name: "sample", status: "active" }],
      replicas: states.map((state, i) => ({ replica_id: `sample-web-${i}`, state })),
    });
  assert.equal(converged(status(["running", "running"])), true);
  assert.equal(converged(status(["running", "pending"])), false);
  assert.equal(converged(status([])), false);
  assert.equal(converged("not json"), false);
});

Deno.test({
  name: "deno task up: 3 nodes run every sample replica; Ctrl-C tears the rig down",
  ignore: !support.ok,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  assert.equal(denoConfig.tasks.up, "deno run -A tests/demo/up.ts");
  // The output goes to a file (exec keeps the pid, so the signal reaches up.ts itself); the
  // test polls it, like an operator watching the terminal.
  const outputPath = await Deno.makeTempFile({ prefix: "jaco-up-", suffix: ".log" });
  const upPath = new URL("./demo/up.ts", import.meta.url).pathname;
  const child = new Deno.Command("sh", {
    args: [
      "-c",
      `exec "${Deno.execPath()}" run -A "${upPath}" --timeout=240 >"${outputPath}" 2>&1`,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const output = () => Deno.readTextFileSync(outputPath);
  try {
    const deadline = Date.now() + 300_000;
    while (!output().includes("Press Ctrl-C") && Date.now() < deadline) {
      const exited = await Promise.race([
        child.status.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 500)),
      ]);
      if (exited) break;
    }
    const ready = output();
    assert.match(ready, /Press Ctrl-C/, `up never became ready:\n${ready}`);
    for (const name of NODE_NAMES) {
      assert.match(ready, new RegExp(`sample-agent-${name}\\s+RUNNING\\s+${name}`));
    }
    for (const id of ["sample-web-", "sample-api-", "sample-db-"]) {
      assert.match(ready, new RegExp(`${id}\\d+\\s+RUNNING`), ready);
    }
    assert.match(ready, /sample-db-\d+\s+RUNNING\s+node-1/, "db is pinned to node-1");
  } finally {
    child.kill("SIGINT");
  }
  const status = await child.status;
  assert.equal(status.code, 0, output());
  assert.match(output(), /tearing down/);
  await Deno.remove(outputPath);
  const left = [...Deno.readDirSync(DEFAULT_STATE_ROOT)]
    .filter((entry) => entry.name.startsWith(`up-${child.pid}-`));
  assert.deepEqual(left, [], "the rig's state directory is gone");
});
