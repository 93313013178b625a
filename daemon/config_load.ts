/**
 * Where `jacod.yaml` comes from and the effective log level
 * (auth-and-config.md §9, §9.3): `--config` > `$JACO_CONFIG` >
 * `/etc/jaco/jacod.yaml`; log level flag > `JACO_LOG` > `log_level` > `info`.
 *
 * Decision where the spec is silent: an explicit `--config` path that does
 * not exist is an error (a typo must not silently run on defaults); a missing
 * `$JACO_CONFIG` or default file means all defaults, as the spec says.
 *
 * @module
 */

import { ErrorCode, JacoError } from "../proto/errors.ts";
import { type DaemonConfig, parseDaemonConfig } from "./config.ts";
import { chooseLogLevel, type LogLevel } from "./config_log_level.ts";

/** Default config path when neither `--config` nor `$JACO_CONFIG` is given. */
export const defaultConfigPath = "/etc/jaco/jacod.yaml";

/** Inputs of {@link loadDaemonConfig}; all side effects injected. */
export interface LoadDaemonConfigOptions {
  /** `--config` flag value, if given. */
  readonly path?: string;
  /** `--log-level` flag value, if given. */
  readonly logLevelFlag?: string;
  /** Process environment (`JACO_CONFIG`, `JACO_LOG`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file; resolves `undefined` when it does not exist (other failures reject). */
  readonly readFile: (path: string) => Promise<string | undefined>;
  /** OS host name (default `node_name`). */
  readonly hostname: string;
}

/** What {@link loadDaemonConfig} found. */
export interface LoadedDaemonConfig {
  readonly config: DaemonConfig;
  /** The path consulted. */
  readonly path: string;
  /** `false` when the file was missing and every default applies. */
  readonly fileFound: boolean;
  /** Effective log level: flag > `JACO_LOG` > `log_level` > `info`. */
  readonly logLevel: LogLevel;
  /** Startup warnings to log once (ignored log-level values). */
  readonly warnings: readonly string[];
}

/**
 * Finds, reads and validates the daemon config: `--config` > `$JACO_CONFIG` >
 * {@link defaultConfigPath}; a missing file means all defaults unless it was
 * named by `--config`.
 *
 * @throws {JacoError} as {@link parseDaemonConfig}; `validation_failed`
 * (`details.field: "config"`) when the `--config` file does not exist
 * @example
 * ```ts
 * const { config, logLevel } = await loadDaemonConfig({
 *   path: flags.config,
 *   logLevelFlag: flags.logLevel,
 *   env: Deno.env.toObject(),
 *   readFile: readTextFileIfExists,
 *   hostname: Deno.hostname(),
 * });
 * ```
 */
export async function loadDaemonConfig(
  options: LoadDaemonConfigOptions,
): Promise<LoadedDaemonConfig> {
  const path = options.path || options.env.JACO_CONFIG || defaultConfigPath;
  const text = await options.readFile(path);
  if (text === undefined && options.path) {
    throw new JacoError(
      ErrorCode.validation_failed,
      `config file ${JSON.stringify(path)} does not exist`,
      {
        field: "config",
        source: path,
      },
    );
  }
  const config = parseDaemonConfig(text ?? "", path, { hostname: options.hostname });
  const choice = chooseLogLevel({
    flag: options.logLevelFlag,
    env: options.env.JACO_LOG,
    config: config.logLevel,
  });
  return {
    config,
    path,
    fileFound: text !== undefined,
    logLevel: choice.level,
    warnings: choice.warnings,
  };
}
