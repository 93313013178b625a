/**
 * `jaco restore --input <file> --name <hostname>` (cluster.md §8.2, cli.md §11): offline and
 * local — seeds `$JACO_DATA_DIR` (default `/var/lib/jaco`, or `--data-dir`) from a backup so
 * `jacod` boots there as the single voter `<hostname>` of the original cluster. Every refusal is
 * checked before anything is written (see `daemon/node/restore.ts`).
 *
 * Decisions where the spec is silent: `--data-dir` overrides `JACO_DATA_DIR`, so a drill on a
 * scratch directory needs no environment juggling; `-o json|yaml` prints `{data_dir, name}`.
 *
 * @module
 */
import { readHostInterfaces, restoreDataDir } from "../daemon/mod.ts";
import denoConfig from "../deno.json" with { type: "json" };
import type { Command } from "./_command.ts";
import { type OutputFormat, renderResult } from "./_output.ts";
import { UsageError } from "./_usage_error.ts";

/** Data dir of `jaco restore` without `--data-dir` or `JACO_DATA_DIR`. */
export const defaultRestoreDataDir = "/var/lib/jaco";

/** `restore` output: the one line, or `{data_dir, name}` as json/yaml. */
export function formatRestored(
  dataDir: string,
  name: string,
  format: OutputFormat,
): Promise<string> {
  return renderResult(
    format,
    `Restored into ${dataDir}; start jacod to bring node ${name} online.\n`,
    { data_dir: dataDir, name },
  );
}

/** `jaco restore`. */
export const restoreCommand: Command = {
  usage: "jaco restore --input <file> --name <hostname> [--data-dir <dir>]",
  help: `Seeds a data directory from a backup archive, offline (the daemon must be stopped). The
node then boots as the only voter <hostname> of the original cluster, with its CA, tokens and
state; other nodes rejoin with fresh join tokens.

  --input <file>      backup archive written by jaco backup (required)
  --name <hostname>   this node's name (required)
  --data-dir <dir>    data directory to seed (default $JACO_DATA_DIR, else /var/lib/jaco)
`,
  flags: {
    input: { type: "string" },
    name: { type: "string" },
    "data-dir": { type: "string" },
  },
  args: { min: 0, max: 0 },
  async run({ flags, globals, io }) {
    const input = typeof flags.input === "string" ? flags.input : "";
    if (input === "") throw new UsageError("--input is required");
    const name = typeof flags.name === "string" ? flags.name : "";
    if (name === "") throw new UsageError("--name is required");
    const dataDir = (typeof flags["data-dir"] === "string" && flags["data-dir"]) ||
      io.env("JACO_DATA_DIR") || defaultRestoreDataDir;
    const archive = await Deno.readFile(input).catch((error: Error) => {
      throw new Error(`read input: ${error.message}`);
    });
    await restoreDataDir({
      archive,
      dataDir,
      name,
      runningVersion: denoConfig.version,
      interfaces: await readHostInterfaces(),
      now: new Date(),
    });
    io.stdout(await formatRestored(dataDir, name, globals.output));
    return 0;
  },
};
