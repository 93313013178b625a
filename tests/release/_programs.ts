/**
 * The shipped programs and the helpers the release tasks share: which entries exist yet, and
 * running a built artifact with `--version` to prove it starts.
 *
 * @module
 */

import { JACOD_V8_FLAGS_ARG } from "../../daemon/v8_flags.ts";

/** One shipped program: its artifact name and its entry module (relative to the repo root). */
export interface Program {
  /** Artifact base name (`jaco`, `jacod`). */
  name: string;
  /** Entry module, relative to the repository root. */
  entry: string;
  /** Extra `deno compile` / `deno run` flags the program ships with (V8 flags). */
  runtimeFlags?: readonly string[];
}

/** The CLI and the daemon. */
export const programs: readonly Program[] = [
  { name: "jaco", entry: "cli/main.ts" },
  { name: "jacod", entry: "daemon/main.ts", runtimeFlags: [JACOD_V8_FLAGS_ARG] },
];

/** The repository root (two folders up from this file). */
export const repoRoot: URL = new URL("../../", import.meta.url);

/** File-system path of a `file:` URL. */
export function pathOf(url: URL): string {
  return decodeURIComponent(url.pathname);
}

/** True when `entry` exists below `root`. */
export async function entryPresent(root: URL, entry: string): Promise<boolean> {
  try {
    return (await Deno.stat(new URL(entry, root))).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Output of one finished process. */
export interface RunResult {
  /** Exit code. */
  code: number;
  /** Captured stdout. */
  stdout: string;
  /** Captured stderr. */
  stderr: string;
}

/** Runs a command to completion with stdin closed, capturing its output. */
export async function run(
  command: string,
  options: { args: string[]; cwd?: string; env?: Record<string, string> },
): Promise<RunResult> {
  const output = await new Deno.Command(command, {
    args: options.args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Raised when a release step fails; the message says which program and step. */
export class ReleaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReleaseError";
  }
}

/** Fails with the step's stderr unless it exited 0. */
export function expectSuccess(result: RunResult, step: string): RunResult {
  if (result.code !== 0) {
    throw new ReleaseError(`${step} exited ${result.code}: ${result.stderr.trim()}`);
  }
  return result;
}
