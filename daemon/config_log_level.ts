/**
 * Daemon log levels and the precedence that picks one (observability.md §2.1,
 * auth-and-config.md §9.3): `--log-level` flag > `JACO_LOG` > `log_level` in
 * `jacod.yaml` > `info`.
 *
 * @module
 */

/** The daemon log levels, keyed by themselves. */
export const LogLevel = {
  debug: "debug",
  info: "info",
  warn: "warn",
  error: "error",
} as const;

/** One daemon log level. */
export type LogLevel = typeof LogLevel[keyof typeof LogLevel];

/**
 * Reads a level case-insensitively (`warning` ≡ `warn`). Only the leading
 * global token of a `JACO_LOG`-style value counts (`info,scheduler=debug` →
 * `info`): per-subsystem suffixes are a reserved extension point.
 */
export function parseLogLevel(text: string): LogLevel | undefined {
  const token = text.split(",")[0].trim().toLowerCase();
  if (token === "warning") return LogLevel.warn;
  return Object.hasOwn(LogLevel, token) ? LogLevel[token as LogLevel] : undefined;
}

/** The chosen level and a warning per ignored (unrecognised) source. */
export interface LogLevelChoice {
  readonly level: LogLevel;
  readonly warnings: readonly string[];
}

/**
 * Applies the precedence. An unrecognised flag or env value falls back to
 * the next source, with a warning so the operator learns the value was ignored.
 */
export function chooseLogLevel(
  sources: { flag?: string; env?: string; config: LogLevel },
): LogLevelChoice {
  const warnings: string[] = [];
  for (const [name, value] of [["--log-level", sources.flag], ["JACO_LOG", sources.env]]) {
    if (value === undefined || value === "") continue;
    const level = parseLogLevel(value);
    if (level) return { level, warnings };
    warnings.push(
      `${name} ${JSON.stringify(value)} is not a log level (debug, info, warn, error); ignored`,
    );
  }
  return { level: sources.config, warnings };
}
