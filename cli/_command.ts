/**
 * The shape of a CLI command module and of the command table. Adding a
 * command = one module exporting a {@link Command} plus one
 * {@link CommandEntry} line in `_commands.ts`; the entry loads the module
 * lazily, so `jaco validate` never pays for the gRPC client `jaco apply` needs.
 *
 * @module
 */

import type { CliIo } from "./_io.ts";
import type { Logger } from "./_log.ts";
import type { OutputFormat } from "./_output.ts";

/** One flag definition, as `node:util` parseArgs takes it. */
export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  /** Missing → usage error `required flag(s) "<name>" not set`. */
  required?: boolean;
}

/** Global flags (cli.md §2), parsed for every command. */
export interface GlobalOptions {
  output: OutputFormat;
  verbose: boolean;
  quiet: boolean;
  /** Single-shot server override (`host:port`); undefined = local socket. */
  server?: string;
  /** Named cluster context (accepted; contexts are not implemented yet). */
  context?: string;
}

/** What a command's `run` receives. */
export interface CommandContext {
  /** Positional arguments after the command path. */
  args: string[];
  /** Parsed command flags (global flags excluded). */
  flags: Record<string, string | boolean | string[] | undefined>;
  globals: GlobalOptions;
  io: CliIo;
  log: Logger;
}

/** A command implementation. */
export interface Command {
  /** Synopsis shown in help: `jaco validate [--jaco <path>] [--compose <path>]`. */
  usage: string;
  /** Help text after the synopsis: flags and behaviour. */
  help: string;
  /** Command-specific flags. */
  flags: Record<string, FlagSpec>;
  /** Allowed number of positional arguments. */
  args: { min: number; max: number };
  /** Runs the command; resolves to the exit code (0 success). Failures throw. */
  run(context: CommandContext): Promise<number> | number;
}

/** One row of the command table: enough for help without loading the module. */
export interface CommandEntry {
  /** Words that select the command: `["validate"]`, `["cluster", "init"]`. */
  path: string[];
  summary: string;
  load(): Promise<Command>;
}
