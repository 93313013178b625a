/**
 * End-to-end `jaco validate`: runs the real entry point in a subprocess on
 * the sample stack (tests/samples) and its broken copy, and checks exit codes,
 * stdout/stderr and the JSON shapes.
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

async function jaco(...args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/main.ts", ...args],
    cwd: root,
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    out: decoder.decode(output.stdout),
    err: decoder.decode(output.stderr),
  };
}

Deno.test("jaco validate accepts the sample stack, exit 0 and one OK line", async () => {
  const result = await jaco("validate", "--jaco", "tests/samples/jaco.yaml");
  assert.equal(result.err, "");
  assert.equal(result.code, 0);
  assert.match(
    result.out,
    /^OK: tests\/samples\/jaco\.yaml \+ tests\/samples\/compose\.yml valid \(deployment "sample", \d+ services\)\n$/,
  );
});

Deno.test("jaco validate rejects the broken stack with Error: <code>: on stderr, exit 1", async () => {
  const result = await jaco(
    "validate",
    "--jaco",
    "tests/samples/broken/jaco.yaml",
    "--compose",
    "tests/samples/broken/compose.yml",
  );
  assert.equal(result.code, 1);
  assert.equal(result.out, "");
  assert.match(result.err, /^Error: [a-z_]+: .+\n$/);
});

Deno.test("jaco validate -o json prints the report on success and the envelope on failure", async () => {
  const ok = await jaco("validate", "-o", "json", "--jaco", "tests/samples/jaco.yaml");
  assert.equal(ok.code, 0);
  const report = JSON.parse(ok.out);
  assert.equal(report.valid, true);
  assert.equal(report.deployment, "sample");
  assert.equal(report.compose, "tests/samples/compose.yml");
  assert.ok(ok.out.endsWith("}\n"));

  const bad = await jaco(
    "validate",
    "--output",
    "json",
    "--jaco",
    "tests/samples/broken/jaco.yaml",
  );
  assert.equal(bad.code, 1);
  const envelope = JSON.parse(bad.out);
  assert.deepEqual(Object.keys(envelope), ["code", "message", "details"]);
  assert.match(envelope.code, /^[a-z_]+$/);
});

Deno.test("jaco validate without flags, with an unknown flag, or an unknown command fails, exit 1", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["validate"], /^at least one of --jaco or --compose is required\n$/],
    [["validate", "--nope"], /^unknown flag --nope/],
    [["validate", "--jaco"], /^flag --jaco needs a value/],
    [["frobnicate"], /^unknown command "frobnicate"/],
  ];
  for (const [args, pattern] of cases) {
    const result = await jaco(...args);
    assert.equal(result.code, 1, args.join(" "));
    assert.match(result.err, pattern);
  }
});

Deno.test("jaco version and jaco --version print the same bare version", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  assert.deepEqual(await jaco("version"), { code: 0, out: `v${config.version}\n`, err: "" });
  assert.deepEqual(await jaco("--version"), { code: 0, out: `v${config.version}\n`, err: "" });
});
