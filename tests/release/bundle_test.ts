import assert from "node:assert/strict";
import { bundleProgram } from "./bundle.ts";
import { entryPresent, pathOf, programs, repoRoot, run } from "./_programs.ts";

const deno = Deno.execPath();
const cli = programs.find((program) => program.name === "jaco")!;
const daemon = programs.find((program) => program.name === "jacod")!;
const cliPresent = await entryPresent(repoRoot, cli.entry);
if (!cliPresent) console.log(`skipping CLI bundle test: ${cli.entry} not present yet`);

async function withTempDir(fn: (dir: URL) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "jaco-bundle-" });
  try {
    await fn(new URL(`file://${dir}/`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("bundleProgram() reports a missing entry as skipped, not present yet", async () => {
  await withTempDir(async (dir) => {
    const outcome = await bundleProgram({ name: "jacod", entry: "daemon/main.ts" }, {
      root: dir,
      outDir: new URL("dist/", dir),
      deno,
    });
    assert.deepEqual(outcome, {
      name: "jacod",
      status: "skipped",
      reason: "daemon/main.ts not present yet",
    });
  });
});

Deno.test("bundleProgram() bundles an entry with its imports into one runnable file", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(new URL("app/", dir));
    await Deno.writeTextFile(new URL("app/_version.ts", dir), 'export const version = "v9.8.7";\n');
    await Deno.writeTextFile(
      new URL("app/main.ts", dir),
      'import { version } from "./_version.ts";\nif (Deno.args[0] === "--version") console.log(version);\n',
    );
    const outcome = await bundleProgram({ name: "app", entry: "app/main.ts" }, {
      root: dir,
      outDir: new URL("dist/", dir),
      deno,
    });
    assert.equal(outcome.status, "bundled");
    if (outcome.status !== "bundled") return;
    assert.equal(outcome.version, "v9.8.7");
    // One file: deleting the sources must not break the bundle.
    await Deno.remove(new URL("app/", dir), { recursive: true });
    const again = await run(deno, { args: ["run", "-A", outcome.path, "--version"] });
    assert.equal(again.stdout.trim(), "v9.8.7");
  });
});

Deno.test({
  name: "bundleProgram() bundles cli/main.ts and the bundle prints the CLI's --version",
  ignore: !cliPresent,
  async fn() {
    await withTempDir(async (dir) => {
      const outcome = await bundleProgram(cli, { root: repoRoot, outDir: dir, deno });
      assert.equal(outcome.status, "bundled");
      if (outcome.status !== "bundled") return;
      const direct = await run(deno, {
        args: ["run", "-A", cli.entry, "--version"],
        cwd: pathOf(repoRoot),
      });
      assert.equal(outcome.version, direct.stdout.trim());
    });
  },
});

Deno.test({
  name: "bundleProgram() bundles daemon/main.ts (dockerode and grpc-js inside) and it starts",
  ignore: !await entryPresent(repoRoot, daemon.entry),
  async fn() {
    await withTempDir(async (dir) => {
      const outcome = await bundleProgram(daemon, { root: repoRoot, outDir: dir, deno });
      assert.equal(outcome.status, "bundled");
      if (outcome.status !== "bundled") return;
      const direct = await run(deno, {
        args: ["run", "-A", daemon.entry, "--version"],
        cwd: pathOf(repoRoot),
      });
      assert.equal(outcome.version, direct.stdout.trim());
    });
  },
});
