/**
 * `jaco version` (cli.md §13): the bare version string on stdout.
 *
 * The string is the release tag, `v` + deno.json's `version` (packaging:
 * "package version field = tag without the leading v"), so `0.1.0` prints
 * `v0.1.0` — the same shape as the spec's `v0.3.5`. `-o json|yaml` prints `{version}`.
 *
 * @module
 */

import denoConfig from "../deno.json" with { type: "json" };
import type { Command } from "./_command.ts";
import { renderResult } from "./_output.ts";

/** The version `jaco version` and `jaco --version` print. */
export const versionString = `v${denoConfig.version}`;

/** `jaco version`. */
export const versionCommand: Command = {
  usage: "jaco version",
  help: "Prints the version string (same as jaco --version).\n",
  flags: {},
  args: { min: 0, max: 0 },
  async run({ io, globals }) {
    io.stdout(await renderResult(globals.output, `${versionString}\n`, { version: versionString }));
    return 0;
  },
};
