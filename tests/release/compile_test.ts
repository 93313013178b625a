import assert from "node:assert/strict";
import { compileProgram } from "./compile.ts";
import { pathOf, ReleaseError, repoRoot, run } from "./_programs.ts";

const deno = Deno.execPath();

Deno.test("compile task explains that DENORT_BIN is required and exits 1 without it", async () => {
  const result = await run(deno, {
    args: ["run", "-A", "tests/release/compile.ts"],
    cwd: pathOf(repoRoot),
    env: { DENORT_BIN: "" },
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /DENORT_BIN is not set/);
  assert.match(result.stderr, /cannot be reached from this machine/);
});

Deno.test("compileProgram() skips an entry that is not present yet", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jaco-compile-" });
  try {
    const root = new URL(`file://${dir}/`);
    const built = await compileProgram({ name: "jacod", entry: "daemon/main.ts" }, {
      root,
      outDir: new URL("dist/", root),
      deno,
      denortBin: deno,
    });
    assert.equal(built, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compileProgram() rejects a DENORT_BIN that does not run the embedded program", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jaco-compile-" });
  try {
    const root = new URL(`file://${dir}/`);
    await Deno.writeTextFile(
      new URL("main.ts", root),
      'if (Deno.args[0] === "--version") console.log("v1.2.3");\n',
    );
    // The deno CLI is not denort: the artifact it yields prints deno's own version.
    await assert.rejects(
      compileProgram({ name: "app", entry: "main.ts" }, {
        root,
        outDir: new URL("dist/", root),
        deno,
        denortBin: deno,
      }),
      (error: unknown) => error instanceof ReleaseError && /want "v1\.2\.3"/.test(error.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
