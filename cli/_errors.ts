/**
 * How the CLI renders a failure (errors.md §1, cli.md §1.4). Every failure
 * exits 1.
 *
 * - {@link JacoError}: `Error: <code>: <message>` on stderr; with `-v`, one
 *   `  key=value` line per details entry, sorted by key.
 * - With `-o json|yaml` a JacoError is printed as its envelope
 *   `{code, message, details}` on **stdout** instead: scripts that asked for
 *   structured output parse stdout, and the exit code still says it failed.
 * - Anything else (usage errors, unreadable local files) prints its plain
 *   one-line message on stderr whatever the output format, since it has no
 *   code from the closed set to put in an envelope.
 *
 * @module
 */

import { isJacoError } from "../proto/errors.ts";
import { type OutputFormat, renderStructured } from "./_output.ts";

/** Text to write for one failure. */
export interface RenderedFailure {
  stdout: string;
  stderr: string;
}

/** Renders `error` for the terminal according to the global flags. */
export async function renderFailure(
  error: unknown,
  options: { output: OutputFormat; verbose: boolean },
): Promise<RenderedFailure> {
  if (isJacoError(error)) {
    if (options.output !== "table") {
      return { stdout: await renderStructured(error.toJSON(), options.output), stderr: "" };
    }
    let stderr = `Error: ${error.code}: ${error.message}\n`;
    if (options.verbose) {
      for (const [key, value] of Object.entries(error.toJSON().details)) {
        stderr += `  ${key}=${value}\n`;
      }
    }
    return { stdout: "", stderr };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { stdout: "", stderr: `${message}\n` };
}
