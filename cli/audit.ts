/**
 * `jaco audit` (cli.md §10): query or follow the cluster's audit log through `Audit.Query`.
 *
 * Decisions where the spec is silent (documented in `--help` too):
 * - `--since` takes a Go-style duration (`90s`, `1h30m`) plus a leading whole-days part (`7d`,
 *   `1d12h`), since audit windows are usually days; an RFC 3339 time is accepted as is. `--until`
 *   (the RPC's other bound, which the reference never exposed) takes the same forms.
 * - `--type` may repeat as well as hold a comma list; every name is checked before dialing.
 * - Table: the TYPE column is the upper-case short name (cli.md §1.3 enum casing); payload keys
 *   are sorted and a value holding spaces, `=`, quotes or control characters is JSON-quoted, so
 *   one event is always one parseable line. The header is printed with the first row, or when a
 *   stream ends empty, so a failed call leaves stdout empty.
 * - json/yaml objects carry payload keys sorted; an unknown type number shows as `unrecognized`.
 * - Ctrl-C ends a `-f` stream and exits 0; without `-f` Ctrl-C keeps its default (the process
 *   ends), since a half-printed json array must not look like a complete answer.
 *
 * @module
 */

import { AuditEventType, enumFromShortName, enumShortName } from "../proto/mod.ts";
import type { AuditEvent } from "../proto/mod.ts";
import { parseDurationMs } from "../compose/mod.ts";
import type { Command } from "./_command.ts";
import type { CliIo } from "./_io.ts";
import { formatTimestamp, type OutputFormat, renderStructured } from "./_output.ts";
import { dialDaemon } from "./_transport.ts";
import { transportFlagSpecs } from "./_transport_flags.ts";

/** Client deadline of `jaco audit` without `-f` (cli.md §1.5); `-f` has none. */
export const auditDeadlineMs = 30_000;

const fullTypePrefix = "AUDIT_EVENT_TYPE_";
const dayMs = 24 * 60 * 60 * 1000;

/** A bad `jaco audit` flag value, caught before dialing; the message is the spec's text. */
export class AuditFlagError extends Error {
  /** The flag, with dashes (`--type`). */
  readonly flag: string;
  /** The value as typed. */
  readonly value: string;

  constructor(flag: string, value: string, message: string) {
    super(message);
    this.name = "AuditFlagError";
    this.flag = flag;
    this.value = value;
  }
}

/**
 * Parses `--type` values: comma lists of short names or full `AUDIT_EVENT_TYPE_X` names, any case.
 *
 * @throws {AuditFlagError} `--type: unknown audit type "<x>"`
 * @example
 * ```ts
 * parseAuditTypes(["token_revoke,REBALANCE_MOVED"]); // [7, 21]
 * ```
 */
export function parseAuditTypes(values: readonly string[]): AuditEventType[] {
  const types: AuditEventType[] = [];
  for (const name of values.flatMap((value) => value.split(",")).map((name) => name.trim())) {
    if (name === "") continue;
    const upper = name.toUpperCase();
    const short = upper.startsWith(fullTypePrefix) ? upper.slice(fullTypePrefix.length) : upper;
    const type = enumFromShortName(AuditEventType, short) as AuditEventType | undefined;
    if (type === undefined || type === AuditEventType.AUDIT_EVENT_TYPE_UNSPECIFIED) {
      throw new AuditFlagError("--type", name, `--type: unknown audit type "${name}"`);
    }
    if (!types.includes(type)) types.push(type);
  }
  return types;
}

/**
 * Parses a `--since`/`--until` value into the instant it names: `now - duration`, or an RFC 3339
 * time.
 *
 * @throws {AuditFlagError} `<flag>: invalid duration "<x>"`
 * @example
 * ```ts
 * parseTimeBound("--since", "1d12h", () => new Date()); // 36 hours ago
 * ```
 */
export function parseTimeBound(flag: string, text: string, now: () => Date): Date {
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(text)) {
    const at = new Date(text);
    if (!Number.isNaN(at.getTime())) return at;
  }
  const days = /^(\d+)d(.*)$/.exec(text);
  try {
    const rest = days ? days[2] : text;
    const ms = (days ? Number(days[1]) * dayMs : 0) +
      (days && rest === "" ? 0 : parseDurationMs(rest));
    return new Date(now().getTime() - ms);
  } catch {
    // parseDurationMs's RangeError means "not a duration"; the spec's message replaces it.
    throw new AuditFlagError(flag, text, `${flag}: invalid duration "${text}"`);
  }
}

/** The short name of an event type (`token_revoke`), or `unrecognized`. */
function typeName(type: AuditEventType): string {
  return enumShortName(AuditEventType, type) ?? "unrecognized";
}

function sortedPayload(payload: Record<string, string>): [string, string][] {
  return Object.entries(payload).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

// A value an operator could misread inside `k=v k=v`: blank, or holding a separator, a quote
// or a control character.
const needsQuoting = /^$|[\s="\p{Cc}]/u;

/** A payload as one table cell: `k=v` pairs, keys sorted, awkward values JSON-quoted. */
export function formatPayload(payload: Record<string, string>): string {
  return sortedPayload(payload)
    .map(([key, value]) => `${key}=${needsQuoting.test(value) ? JSON.stringify(value) : value}`)
    .join(" ");
}

/** The table header, `printf "%-32s %-26s %-20s %s"` of TYPE TS IDENTITY PAYLOAD. */
export const auditTableHeader = row("TYPE", "TS", "IDENTITY", "PAYLOAD");

function row(type: string, ts: string, identity: string, payload: string): string {
  return `${type.padEnd(32)} ${ts.padEnd(26)} ${identity.padEnd(20)} ${payload}\n`;
}

/** One table row of an event. */
export function auditTableRow(event: AuditEvent): string {
  return row(
    typeName(event.type).toUpperCase(),
    formatTimestamp(event.ts),
    event.identity,
    formatPayload(event.payload),
  );
}

/** The json/yaml object of an event: `{type, identity?, ts?, raft_index, payload?}`. */
export function auditObject(event: AuditEvent): Record<string, unknown> {
  const object: Record<string, unknown> = { type: typeName(event.type) };
  if (event.identity) object.identity = event.identity;
  const ts = formatTimestamp(event.ts);
  if (ts) object.ts = ts;
  object.raft_index = event.raftIndex;
  const payload = sortedPayload(event.payload);
  if (payload.length > 0) object.payload = Object.fromEntries(payload);
  return object;
}

/** Writes a stream of events in one output format; {@link end} after the last one. */
export interface AuditPrinter {
  event(event: AuditEvent): Promise<void>;
  end(): Promise<void>;
}

/**
 * The printer of one output format: table rows; json array (pretty) or NDJSON when following;
 * yaml sequence or one document per event (`---` between) when following.
 */
export function auditPrinter(io: CliIo, format: OutputFormat, follow: boolean): AuditPrinter {
  if (format === "table") {
    let headed = false;
    const head = () => {
      if (!headed) io.stdout(auditTableHeader);
      headed = true;
    };
    return {
      event(event) {
        head();
        io.stdout(auditTableRow(event));
        return Promise.resolve();
      },
      end() {
        head();
        return Promise.resolve();
      },
    };
  }
  if (!follow) {
    const objects: Record<string, unknown>[] = [];
    return {
      event(event) {
        objects.push(auditObject(event));
        return Promise.resolve();
      },
      end: async () => io.stdout(await renderStructured(objects, format)),
    };
  }
  let count = 0;
  return {
    async event(event) {
      const object = auditObject(event);
      if (format === "json") io.stdout(`${JSON.stringify(object)}\n`);
      else io.stdout(`${count > 0 ? "---\n" : ""}${await renderStructured(object, "yaml")}`);
      count++;
    },
    end: () => Promise.resolve(),
  };
}

/** A signal that fires on Ctrl-C, until disposed. */
export interface Interrupt {
  readonly signal: AbortSignal;
  dispose(): void;
}

/** Ctrl-C of the real process (the edge this command owns while following). */
export function processInterrupt(): Interrupt {
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  return {
    signal: controller.signal,
    dispose: () => Deno.removeSignalListener("SIGINT", onInterrupt),
  };
}

/** What {@link createAuditCommand} takes from the outside world. */
export interface AuditCommandOptions {
  /** Wall clock for `--since`/`--until` durations (default: the system clock). */
  now?: () => Date;
  /** Ctrl-C source while following (default: the process's SIGINT). */
  interrupt?: () => Interrupt;
}

function strings(value: string | boolean | string[] | undefined): string[] {
  return typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
}

/** Builds `jaco audit` over the given clock and Ctrl-C source. */
export function createAuditCommand(options: AuditCommandOptions = {}): Command {
  const now = options.now ?? (() => new Date());
  const interrupt = options.interrupt ?? processInterrupt;
  return {
    usage:
      "jaco audit [--since <dur>] [--until <dur>] [--type a,b,...] [-f] [transport flags] [-o table|json|yaml]",
    help: `Streams the cluster's audit log (matching history; with -f, then live events).

  --since <dur>       only events at or after now - <dur> (90s, 1h30m, 7d, 1d12h);
                      an RFC 3339 time is taken as is
  --until <dur>       only events at or before now - <dur> (same forms)
  --type <a,b,...>    only these types (short names like token_revoke, any case; may repeat)
  -f, --follow        keep streaming live events until Ctrl-C
  --socket <path>     local daemon socket (default $JACO_SOCKET, else /var/run/jaco/jaco.sock)
  --server <addr>     daemon host:port over TLS (needs --token or JACO_TOKEN)
  --token <token>     operator token (default $JACO_TOKEN)
  --ca-cert <path>    cluster CA (default $JACO_CA_CERT, else /var/lib/jaco/node/ca.crt)
`,
    flags: {
      since: { type: "string" },
      until: { type: "string" },
      type: { type: "string", multiple: true },
      follow: { type: "boolean", short: "f" },
      ...transportFlagSpecs,
    },
    args: { min: 0, max: 0 },
    async run(context) {
      const { flags, globals, io } = context;
      const follow = flags.follow === true;
      const since = strings(flags.since)[0];
      const until = strings(flags.until)[0];
      const request = {
        types: parseAuditTypes(strings(flags.type)),
        since: since === undefined ? undefined : parseTimeBound("--since", since, now),
        until: until === undefined ? undefined : parseTimeBound("--until", until, now),
        follow,
      };
      const printer = auditPrinter(io, globals.output, follow);
      const client = dialDaemon(context);
      const stop = follow ? interrupt() : undefined;
      try {
        const stream = client.stream("Audit", "Query", request, {
          deadlineMs: follow ? undefined : auditDeadlineMs,
          signal: stop?.signal,
        });
        for await (const event of stream) await printer.event(event);
        await printer.end();
        return 0;
      } finally {
        stop?.dispose();
        client.close();
      }
    },
  };
}

/** `jaco audit` on the real clock and Ctrl-C. */
export const auditCommand: Command = createAuditCommand();
