/**
 * `jaco logs <deployment>[/<service>] [-f] [--since <dur>] [--tail N]` (cli.md `jaco logs`): the
 * contacted node streams every replica's lines (its own and its peers'), printed as
 * `[<replica-id>@<host>] <line>`.
 *
 * Decisions where the spec is silent or the reference differs: the service part is optional
 * (whole deployment); `--tail N` limits each replica's history to its last N lines; stderr lines
 * go to stdout as well (the stream is not shown, as specified). Ctrl-C while following exits 0.
 * `-o json` prints one compact JSON object per line (JSON Lines, so `-f` can stream) and `-o yaml`
 * one `---`-led document per line, each `{replica_id, host, stream, ts?, line}` (issue 4).
 *
 * @module
 */
import { parseDurationMs } from "../compose/mod.ts";
import type { LogLine } from "../proto/mod.ts";
import type { Command } from "./_command.ts";
import { formatTimestamp, type OutputFormat, renderStructured } from "./_output.ts";
import { transportFlagSpecs } from "./_transport_flags.ts";
import { UsageError } from "./_usage_error.ts";
import { type Interrupt, processInterrupt } from "./audit.ts";
import { parseScope, transportHelp, withClient } from "./status.ts";

/** Client deadline without `-f` (cli.md §1.5). */
export const logsDeadlineMs = 60_000;

/** One line as printed. */
export function formatLogLine(line: Pick<LogLine, "replicaId" | "host" | "line">): string {
  return `[${line.replicaId}@${line.host}] ${line.line}\n`;
}

/** One line in the asked format (see module doc). */
export async function formatLogLineAs(line: LogLine, format: OutputFormat): Promise<string> {
  if (format === "table") return formatLogLine(line);
  const document: Record<string, unknown> = {
    replica_id: line.replicaId,
    host: line.host,
    stream: line.stream,
  };
  const ts = formatTimestamp(line.ts);
  if (ts) document.ts = ts;
  document.line = line.line;
  if (format === "json") return JSON.stringify(document) + "\n";
  return `---\n${await renderStructured(document, "yaml")}`;
}

/**
 * `--since` in whole seconds (default 5m).
 *
 * @throws {UsageError} `--since: <err>`
 */
export function parseSince(value: unknown): number {
  if (typeof value !== "string") return 300;
  try {
    return Math.ceil(parseDurationMs(value) / 1000);
  } catch (error) {
    throw new UsageError(`--since: ${(error as Error).message}`);
  }
}

/**
 * `--tail` as a count (0 = all).
 *
 * @throws {UsageError} `--tail: expected a non-negative integer, got "<v>"`
 */
export function parseTail(value: unknown): number {
  if (typeof value !== "string") return 0;
  if (!/^\d{1,9}$/.test(value)) {
    throw new UsageError(`--tail: expected a non-negative integer, got "${value}"`);
  }
  return Number(value);
}

/** Builds `jaco logs` over the given Ctrl-C source. */
export function createLogsCommand(interrupt: () => Interrupt = processInterrupt): Command {
  return {
    usage: "jaco logs <deployment>[/<service>] [-f] [--since <dur>] [--tail N] [transport flags]",
    help: `Prints the container logs of every replica, prefixed [<replica>@<host>].

  -f, --follow        keep streaming until Ctrl-C
  --since <dur>       only lines newer than now - <dur> (default 5m; 30s, 1h30m, …)
  --tail <N>          only the last N lines of each replica's history
${transportHelp}`,
    flags: {
      follow: { type: "boolean", short: "f" },
      since: { type: "string" },
      tail: { type: "string" },
      ...transportFlagSpecs,
    },
    args: { min: 1, max: 1 },
    async run(context) {
      const format = context.globals.output;
      const scope = parseScope(context.args[0]);
      const follow = context.flags.follow === true;
      const request = {
        deployment: scope.deployment,
        service: scope.service,
        follow,
        sinceSeconds: parseSince(context.flags.since),
        replicaId: "",
        tail: parseTail(context.flags.tail),
      };
      const stop = follow ? interrupt() : undefined;
      try {
        return await withClient(context, async (client) => {
          const stream = client.stream("Deploy", "Logs", request, {
            deadlineMs: follow ? undefined : logsDeadlineMs,
            signal: stop?.signal,
          });
          for await (const line of stream) context.io.stdout(await formatLogLineAs(line, format));
          return 0;
        });
      } finally {
        stop?.dispose();
      }
    },
  };
}

/** `jaco logs` on the real Ctrl-C. */
export const logsCommand: Command = createLogsCommand();
