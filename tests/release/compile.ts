/**
 * `deno task compile`: compiles each program entry into a self-contained executable,
 * `dist/jaco` and `dist/jacod` (`deno compile -A`), then runs each with `--version`.
 *
 * `deno compile` embeds the program into `denort`, which it normally downloads; that download
 * host is unreachable here, so the task requires `DENORT_BIN` to point at a denort binary of the
 * same Deno version and passes it through to `deno compile`. Without it the task says so and
 * exits 1. Entries that do not exist yet are reported as skipped.
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

/** Where and with what to compile. */
export interface CompileOptions {
  /** Repository root holding the entries and deno.json. */
  root: URL;
  /** Output directory (created if missing). */
  outDir: URL;
  /** The deno executable. */
  deno: string;
  /** Path of the denort binary (`DENORT_BIN`). */
  denortBin: string;
}

/**
 * Compiles one program and checks the executable's `--version` output equals the program's
 * own (run from source); returns it, or undefined when the entry is not present yet.
 *
 * @throws {ReleaseError} when compiling or the version run fails
 */
export async function compileProgram(
  program: Program,
  options: CompileOptions,
): Promise<{ path: string; version: string } | undefined> {
  if (!await entryPresent(options.root, program.entry)) return undefined;
  await Deno.mkdir(options.outDir, { recursive: true });
  const path = pathOf(new URL(program.name, options.outDir));
  const cwd = pathOf(options.root);
  expectSuccess(
    await run(options.deno, {
      args: [
        "compile",
        "--quiet",
        "-A",
        ...program.runtimeFlags ?? [],
        "--output",
        path,
        program.entry,
      ],
      cwd,
      env: { DENORT_BIN: options.denortBin },
    }),
    `deno compile ${program.entry}`,
  );
  const version = expectSuccess(await run(path, { args: ["--version"], cwd }), `${path} --version`)
    .stdout.trim();
  // A runtime that is not denort (e.g. the deno CLI itself) ignores the embedded program and
  // still exits 0, so compare with the program run from source.
  const expected = expectSuccess(
    await run(options.deno, { args: ["run", "-A", program.entry, "--version"], cwd }),
    `deno run ${program.entry} --version`,
  ).stdout.trim();
  if (version !== expected) {
    throw new ReleaseError(
      `${path} --version printed ${JSON.stringify(version)}, want ${JSON.stringify(expected)}; ` +
        `is DENORT_BIN=${options.denortBin} a denort binary of this deno version?`,
    );
  }
  return { path, version };
}

/** The `deno task compile` entry; returns the exit code. */
export async function main(): Promise<number> {
  const denortBin = Deno.env.get("DENORT_BIN");
  if (!denortBin) {
    console.error(
      "compile: DENORT_BIN is not set. deno compile needs the denort runtime binary, which it " +
        "downloads by default, and that download cannot be reached from this machine; set " +
        "DENORT_BIN to the path of a denort binary matching this deno version",
    );
    return 1;
  }
  try {
    await Deno.stat(denortBin);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    console.error(`compile: DENORT_BIN=${denortBin} does not exist`);
    return 1;
  }
  const options = {
    root: repoRoot,
    outDir: new URL("dist/", repoRoot),
    deno: Deno.execPath(),
    denortBin,
  };
  let failed = 0;
  for (const program of programs) {
    try {
      const built = await compileProgram(program, options);
      if (!built) console.log(`skipped ${program.name}: ${program.entry} not present yet`);
      else console.log(`compiled ${program.name}: ${built.path} (--version: ${built.version})`);
    } catch (error) {
      if (!(error instanceof ReleaseError)) throw error;
      console.error(`failed ${program.name}: ${error.message}`);
      failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
