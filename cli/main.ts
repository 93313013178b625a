/**
 * `jaco` entry point (`deno task jaco …`): wires the real process edges into
 * the dispatcher. Everything else lives in modules that take a {@link CliIo}.
 *
 * @module
 */

import { commands } from "./_commands.ts";
import type { CliIo } from "./_io.ts";
import { runCli } from "./_run.ts";
import { versionString } from "./version.ts";

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(bytes: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
}

const denoIo: CliIo = {
  stdout: (text) => writeAll(Deno.stdout, text),
  stderr: (text) => writeAll(Deno.stderr, text),
  readTextFile(path) {
    try {
      return Deno.readTextFileSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  },
  env: (name) => Deno.env.get(name),
};

Deno.exit(await runCli({ argv: Deno.args, io: denoIo, commands, version: versionString }));
