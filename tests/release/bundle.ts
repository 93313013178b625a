/**
 * `deno task bundle`: bundles each program entry into one JavaScript file, `dist/jaco.js` and
 * `dist/jacod.js` (`deno bundle --platform deno`, npm packages included), then proves each bundle
 * starts by running `deno run -A dist/<name>.js --version`. An entry that does not exist yet is
 * reported as `skipped <name>: <entry> not present yet` and is not an error. Exits 1 when any
 * present program fails to bundle or to run.
 *
 * @module
 */
import {
  entryPresent,
  expectSuccess,
  pathOf,
  type Program,
  programs,
  ReleaseError,
  repoRoot,
  run,
} from "./_programs.ts";

/** What happened to one program. */
export type BundleOutcome =
  | { name: string; status: "skipped"; reason: string }
  | { name: string; status: "bundled"; path: string; version: string };

/** Where and with what to bundle. */
export interface BundleOptions {
  /** Repository root holding the entries and deno.json. */
  root: URL;
  /** Output directory (created if missing). */
  outDir: URL;
  /** The deno executable. */
  deno: string;
}

/**
 * Bundles one program and runs the bundle with `--version`.
 *
 * @throws {ReleaseError} when bundling or the version run fails
 */
export async function bundleProgram(
  program: Program,
  options: BundleOptions,
): Promise<BundleOutcome> {
  if (!await entryPresent(options.root, program.entry)) {
    return { name: program.name, status: "skipped", reason: `${program.entry} not present yet` };
  }
  await Deno.mkdir(options.outDir, { recursive: true });
  const path = pathOf(new URL(`${program.name}.js`, options.outDir));
  const cwd = pathOf(options.root);
  expectSuccess(
    await run(options.deno, {
      // Native addons stay out: dockerode's transport loads ssh2 and cpu-features, whose `.node`
      // bindings are optional (required inside try/catch) and only serve the SSH transport,
      // which JACO never uses; a bundle cannot carry them anyway.
      args: [
        "bundle",
        "--quiet",
        "--platform",
        "deno",
        "--external",
        "*.node",
        "--output",
        path,
        program.entry,
      ],
      cwd,
    }),
    `deno bundle ${program.entry}`,
  );
  await defineCommonJsDirname(path);
  const version = expectSuccess(
    await run(options.deno, { args: ["run", "-A", path, "--version"], cwd }),
    `deno run ${path} --version`,
  ).stdout.trim();
  if (version === "") throw new ReleaseError(`${path} --version printed nothing`);
  return { name: program.name, status: "bundled", path, version };
}

/**
 * CommonJS code inside the bundle (ssh2's wasm loader, reached through dockerode) reads the free
 * variables `__dirname`/`__filename`, which ES modules lack; the bundle defines them as its own.
 */
async function defineCommonJsDirname(path: string): Promise<void> {
  const code = await Deno.readTextFile(path);
  const shim = "var __dirname = import.meta.dirname, __filename = import.meta.filename;\n";
  if (!code.startsWith(shim)) await Deno.writeTextFile(path, shim + code);
}

async function main(): Promise<number> {
  const options = { root: repoRoot, outDir: new URL("dist/", repoRoot), deno: Deno.execPath() };
  let failed = 0;
  for (const program of programs) {
    try {
      const outcome = await bundleProgram(program, options);
      if (outcome.status === "skipped") console.log(`skipped ${outcome.name}: ${outcome.reason}`);
      else console.log(`bundled ${outcome.name}: ${outcome.path} (--version: ${outcome.version})`);
    } catch (error) {
      if (!(error instanceof ReleaseError)) throw error;
      console.error(`failed ${program.name}: ${error.message}`);
      failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
