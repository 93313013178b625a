/**
 * The daemon's human-text logger (auth-and-config.md §9.3 "otherwise human text on stderr"):
 * one line per record, `<RFC 3339 UTC> <LEVEL> <message> key=value…`, values JSON-quoted when
 * they hold spaces, quotes or `=` so a line always parses back. journald/JSON modes come with
 * the observability work.
 *
 * @module
 */
import type { LogLevel } from "../config_log_level.ts";

/** Attributes of one record. */
export type LogAttributes = Readonly<Record<string, string | number | boolean>>;

/** A leveled logger. */
export interface DaemonLogger {
  /** Debug record. */
  debug(message: string, attributes?: LogAttributes): void;
  /** Info record. */
  info(message: string, attributes?: LogAttributes): void;
  /** Warning record. */
  warn(message: string, attributes?: LogAttributes): void;
  /** Error record. */
  error(message: string, attributes?: LogAttributes): void;
}

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function formatValue(value: string | number | boolean): string {
  const text = String(value);
  return text === "" || /[\s"=]/.test(text) ? JSON.stringify(text) : text;
}

/**
 * A logger writing records at or above `level` through `write` (e.g. to stderr).
 *
 * @example
 * ```ts
 * const log = textLogger({ level: "info", write: (line) => console.error(line), now: () => new Date() });
 * log.info("listening", { socket: "/run/jaco/jaco.sock" });
 * ```
 */
export function textLogger(options: {
  level: LogLevel;
  write: (line: string) => void;
  now?: () => Date;
}): DaemonLogger {
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel) => (message: string, attributes: LogAttributes = {}) => {
    if (rank[level] < rank[options.level]) return;
    const ts = now().toISOString().replace(/\.\d{3}Z$/, "Z");
    const tail = Object.entries(attributes).map(([key, value]) => ` ${key}=${formatValue(value)}`);
    options.write(`${ts} ${level.toUpperCase()} ${message}${tail.join("")}`);
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}
