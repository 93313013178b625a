#!/usr/bin/env node
/**
 * `jaco-validate [--jaco <path>] [--compose <path>] [-o json|yaml] [-v]`: the
 * npm package's Node bin. It runs the `jaco validate` command itself (from
 * `cli/mod.ts`) with Node's file system and streams, so its output and exit
 * codes match `jaco validate` exactly.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import { type CliIo, runCli, validateCommand } from "../cli/mod.ts";

const nodeIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readTextFile(path) {
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return undefined;
      throw error;
    }
  },
  env: (name) => process.env[name],
};

/** The package version, from the package.json the build writes one level up. */
function packageVersion(): string {
  try {
    const url = new URL("../package.json", import.meta.url);
    return `v${JSON.parse(readFileSync(url, "utf8")).version}`;
  } catch {
    return "dev"; // run from the source tree, where no package.json sits beside npm/
  }
}

// exitCode (not exit()) so buffered stdout/stderr writes to pipes are flushed first.
process.exitCode = await runCli({
  argv: ["validate", ...process.argv.slice(2)],
  io: nodeIo,
  commands: [{
    path: ["validate"],
    summary: "Validate a jaco.yaml and/or compose file locally",
    load: () => Promise.resolve(validateCommand),
  }],
  version: packageVersion(),
});
