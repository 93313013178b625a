/**
 * The `jaco` dispatcher: global flags (cli.md §2), command lookup in the
 * table, strict flag parsing, help, and the one place failures are rendered
 * (exit 1). Global flags may appear before or after the command words.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Command, CommandEntry, FlagSpec, GlobalOptions } from "./_command.ts";
import { renderFailure } from "./_errors.ts";
import type { CliIo } from "./_io.ts";
import { createLogger, resolveLogLevel } from "./_log.ts";
import { OutputFormat, parseOutputFormat } from "./_output.ts";
import { UsageError } from "./_usage_error.ts";

/** Flags every command accepts. */
export const globalFlags: Record<string, FlagSpec> = {
  context: { type: "string" },
  output: { type: "string", short: "o" },
  server: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  verbose: { type: "boolean", short: "v" },
  "log-level": { type: "string" },
  version: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

const globalHelp = `Global flags:
  --context <name>       named cluster context
  -o, --output <fmt>     table|json|yaml (default table)
  --server <host:port>   talk to this daemon over TLS instead of the local socket
  -q, --quiet            suppress non-essential output
  -v, --verbose          debug logs on stderr; error details on failure
  --log-level <lvl>      debug|info|warn|error (default $JACO_LOG, else warn)
  --version              print the version and exit
  -h, --help             help
`;

/** Inputs of {@link runCli}. */
export interface RunOptions {
  /** Arguments after the program name. */
  argv: string[];
  io: CliIo;
  /** The command table. */
  commands: CommandEntry[];
  /** What `--version` prints. */
  version: string;
}

/** Runs one CLI invocation; resolves to the process exit code. Never throws. */
export async function runCli(options: RunOptions): Promise<number> {
  const { argv, io } = options;
  // Best-effort read of the format and verbosity, so even a usage error is rendered as asked.
  let render = { output: "table" as OutputFormat, verbose: false };
  try {
    const scan = parseArgs({
      args: argv,
      options: globalFlags,
      strict: false,
      allowPositionals: true,
    });
    const output = scan.values.output;
    render = {
      // A command may own `--output` (`backup --output <file>`); its value is no format then.
      output: typeof output === "string" && Object.hasOwn(OutputFormat, output)
        ? parseOutputFormat(output)
        : "table",
      verbose: scan.values.verbose === true,
    };
    if (scan.values.version === true) {
      io.stdout(`${options.version}\n`);
      return 0;
    }
    const words = scan.positionals;
    if (words.length === 0) {
      io.stdout(rootHelp(options.commands));
      return 0;
    }
    const entry = findEntry(options.commands, words);
    const command = await entry.load();
    const parsed = parseStrict(argv, command, entry.path.join(" "));
    if (parsed.values.help === true) {
      io.stdout(`Usage: ${command.usage}\n\n${command.help}\n${globalHelp}`);
      return 0;
    }
    checkRequiredFlags(parsed.values, command);
    const args = parsed.positionals.slice(entry.path.length);
    checkArgCount(args, command, entry.path.join(" "));
    const { globals, logLevel } = readGlobals(
      // A command that owns `--output` takes the value itself; the global format stays table.
      Object.hasOwn(command.flags, "output")
        ? { ...parsed.values, output: undefined }
        : parsed.values,
      io,
    );
    const flags: Record<string, string | boolean | string[] | undefined> = {};
    for (const name of Object.keys(command.flags)) {
      flags[name] = parsed.values[name] as string | boolean | string[] | undefined;
    }
    const log = createLogger(logLevel, (text) => io.stderr(text));
    return await command.run({ args, flags, globals, io, log });
  } catch (error) {
    const failure = await renderFailure(error, render);
    if (failure.stdout) io.stdout(failure.stdout);
    if (failure.stderr) io.stderr(failure.stderr);
    return 1;
  }
}

function findEntry(commands: CommandEntry[], words: string[]): CommandEntry {
  const matches = commands.filter((entry) => entry.path.every((word, i) => words[i] === word));
  if (matches.length > 0) {
    return matches.reduce((best, entry) => entry.path.length > best.path.length ? entry : best);
  }
  const group = commands.filter((entry) => entry.path.length > 1 && entry.path[0] === words[0]);
  if (group.length > 0) {
    const subcommands = group.map((entry) => entry.path.slice(1).join(" ")).join(", ");
    throw new UsageError(
      `"jaco ${words[0]}" needs a subcommand (${subcommands}); run "jaco --help" for usage`,
    );
  }
  throw new UsageError(`unknown command "${words[0]}" for "jaco"; run "jaco --help" for usage`);
}

function parseStrict(argv: string[], command: Command, name: string) {
  try {
    return parseArgs({
      args: argv,
      options: parseArgsOptions({ ...globalFlags, ...command.flags }),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(
      `${parseArgsProblem(error)} for "jaco ${name}"; run "jaco ${name} --help"`,
    );
  }
}

/** Flag specs minus the keys parseArgs does not know. */
function parseArgsOptions(flags: Record<string, FlagSpec>) {
  return Object.fromEntries(
    Object.entries(flags).map(([name, { required: _required, ...spec }]) => [name, spec]),
  );
}

function checkRequiredFlags(values: Record<string, unknown>, command: Command): void {
  const missing = Object.entries(command.flags)
    .filter(([name, spec]) => spec.required && values[name] === undefined)
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new UsageError(`required flag(s) ${missing.map((n) => `"${n}"`).join(", ")} not set`);
  }
}

/** A short wording of a node:util parseArgs failure (its own messages are long-winded). */
function parseArgsProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag ${unknown[1]}`;
  const missing = /Option '(-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
  if (missing) return `flag ${missing[2]} needs a value`;
  const boolean = /Option '(-\w, )?(--[\w-]+)' does not take an argument/.exec(message);
  if (boolean) return `flag ${boolean[2]} takes no value`;
  return message;
}

function checkArgCount(args: string[], command: Command, name: string): void {
  const { min, max } = command.args;
  if (args.length >= min && args.length <= max) return;
  const expected = min === max
    ? `${min}`
    : max === Infinity
    ? `at least ${min}`
    : `${min} to ${max}`;
  throw new UsageError(
    `"jaco ${name}" takes ${expected} argument(s), got ${args.length}: ${command.usage}`,
  );
}

function readGlobals(
  values: Record<string, unknown>,
  io: CliIo,
): { globals: GlobalOptions; logLevel: ReturnType<typeof resolveLogLevel> } {
  const verbose = values.verbose === true;
  const logLevel = resolveLogLevel({
    flag: values["log-level"] as string | undefined,
    verbose,
    env: io.env("JACO_LOG"),
  });
  const globals: GlobalOptions = {
    output: parseOutputFormat((values.output as string | undefined) ?? "table"),
    verbose,
    quiet: values.quiet === true,
    server: values.server as string | undefined,
    context: values.context as string | undefined,
  };
  return { globals, logLevel };
}

function rootHelp(commands: CommandEntry[]): string {
  const names = commands.map((entry) => entry.path.join(" "));
  const width = Math.max(...names.map((name) => name.length));
  const lines = commands.map((entry, i) => `  ${names[i].padEnd(width)}  ${entry.summary}`);
  return `jaco: multi-node container orchestrator CLI\n\nUsage: jaco <command> [flags]\n\n` +
    `Commands:\n${lines.join("\n")}\n\n${globalHelp}`;
}
