/**
 * The CLI's reusable surface: the dispatcher and the `validate` command,
 * runtime-neutral (all I/O through {@link CliIo}). The npm package's
 * `jaco-validate` bin runs exactly this code under Node, so its output is the
 * same as `jaco validate`'s. The `jaco` binary's entry point is `main.ts`.
 *
 * @module
 */

export type { Command, CommandContext, CommandEntry, GlobalOptions } from "./_command.ts";
export type { CliIo } from "./_io.ts";
export { runCli, type RunOptions } from "./_run.ts";
export {
  formatValidateOutcome,
  validateCommand,
  validateFiles,
  type ValidateOutcome,
  type ValidateRequest,
} from "./validate.ts";
