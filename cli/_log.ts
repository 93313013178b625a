/**
 * CLI logs: human text on stderr (`debug: …`), filtered by level. Precedence
 * (cli.md §2): `--log-level` > `-v/--verbose` > `JACO_LOG` > `warn`.
 *
 * @module
 */

import { UsageError } from "./_usage_error.ts";

/** Log levels, quietest last. */
export const LogLevel = { debug: "debug", info: "info", warn: "warn", error: "error" } as const;

/** One log level. */
export type LogLevel = typeof LogLevel[keyof typeof LogLevel];

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Leveled logging to a sink. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

function parseLevel(value: string, source: string): LogLevel {
  if (Object.hasOwn(LogLevel, value)) return value as LogLevel;
  throw new UsageError(`invalid ${source} "${value}": must be debug, info, warn or error`);
}

/**
 * The effective level from the flags and `JACO_LOG`.
 *
 * @throws {UsageError} for a level outside debug|info|warn|error
 */
export function resolveLogLevel(
  options: { flag?: string; verbose: boolean; env?: string },
): LogLevel {
  if (options.flag !== undefined) return parseLevel(options.flag, "log level");
  if (options.verbose) return "debug";
  if (options.env) return parseLevel(options.env, "JACO_LOG");
  return "warn";
}

/** A logger writing `<level>: <message>` lines at or above `level` to `write`. */
export function createLogger(level: LogLevel, write: (text: string) => void): Logger {
  const at = (messageLevel: LogLevel) => (message: string) => {
    if (rank[messageLevel] >= rank[level]) write(`${messageLevel}: ${message}\n`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
