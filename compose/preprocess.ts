/**
 * The CLI's compose preprocessing for `jaco apply` (cli.md `jaco apply` steps
 * 1–4, manifests.md §3): load the jaco.yaml `environment:` file, interpolate
 * `${VAR}` across the compose document with only that map, then fold every
 * `env_file:` into `environment:`. Pure: files come through an injected reader.
 *
 * @module
 */

import { parse as parseYaml } from "yaml";
import { isJacoError, JacoError } from "../proto/errors.ts";
import { parseDotenv } from "./dotenv.ts";
import { joinPath, parentDir, resolveEnvFiles, type TextFileReader } from "./env_file.ts";
import { interpolate, type InterpolationWarning } from "./interpolate.ts";

export { parseDotenv } from "./dotenv.ts";
export { type EnvFileOptions, resolveEnvFiles, type TextFileReader } from "./env_file.ts";
export {
  interpolate,
  type InterpolationResult,
  type InterpolationWarning,
  substituteVariables,
  TemplateError,
  type UnsetHandler,
  type VariableLookup,
} from "./interpolate.ts";

/** Compose file names looked for next to jaco.yaml, in order (manifests.md §3.1). */
export const composeFileNames = [
  "compose.yml",
  "compose.yaml",
  "docker-compose.yml",
  "docker-compose.yaml",
] as const;

/**
 * The compose file to use: `explicit` when given, else the first of
 * {@link composeFileNames} that `exists` next to `jacoPath`; `undefined` when
 * none is there.
 */
export function discoverComposePath(
  jacoPath: string,
  exists: (path: string) => boolean,
  explicit?: string,
): string | undefined {
  if (explicit !== undefined) return explicit;
  const dir = parentDir(jacoPath);
  return composeFileNames.map((name) => joinPath(dir, name)).find(exists);
}

/** Inputs of {@link prepareComposeForApply}. */
export interface PrepareOptions {
  /** jaco.yaml text as read (it is sent unchanged). */
  jacoText: string;
  /**
   * Where jaco.yaml was read from; its directory anchors `environment:`. Pass
   * an absolute path so error messages name absolute files (cli.md asks for
   * `load environment file <abs-path>`).
   */
  jacoPath: string;
  /** Compose text as read. */
  composeText: string;
  /** Where the compose text was read from; `undefined` for stdin (then `env_file` is refused). */
  composePath?: string;
  /** Reads dotenv/env files; `undefined` = file does not exist. */
  readFile: TextFileReader;
}

/** What {@link prepareComposeForApply} hands to `Deploy.Apply`. */
export interface PreparedCompose {
  /** The resolved compose bytes (interpolated, `env_file` folded). */
  composeText: string;
  /** Unset-variable warnings the CLI prints to stderr. */
  warnings: InterpolationWarning[];
}

/**
 * Runs the client-side apply pipeline on a jaco.yaml + compose pair.
 *
 * @throws {JacoError} `parse_failed` (`parse <jaco-path>: …`);
 * `validation_failed` for a bad `environment:` value, an unreadable
 * environment file (`load environment file <path>: …`), a failed interpolation
 * (`interpolate <compose-path>: interpolate ${VAR} at line N col M: …`) or
 * env_file resolution (`resolve env_file in <compose-path>: …`); the inner
 * error's details are kept
 * @example
 * ```ts
 * const { composeText, warnings } = prepareComposeForApply({
 *   jacoText, jacoPath: "/srv/shop/jaco.yaml",
 *   composeText, composePath: "/srv/shop/compose.yml",
 *   readFile: (path) => files.get(path),
 * });
 * ```
 */
export function prepareComposeForApply(options: PrepareOptions): PreparedCompose {
  const env = loadEnvironment(options);
  const composeLabel = options.composePath ?? "<stdin>";
  const interpolated = prefixed(
    `interpolate ${composeLabel}`,
    () => interpolate(options.composeText, env),
  );
  const composeText = prefixed(
    `resolve env_file in ${composeLabel}`,
    () =>
      resolveEnvFiles(interpolated.text, {
        readFile: options.readFile,
        composeDir: parentDir(options.composePath ?? "."),
        hasPath: options.composePath !== undefined,
      }),
  );
  return { composeText, warnings: interpolated.warnings };
}

/** The jaco.yaml `environment:` file as a map (empty when not set). */
function loadEnvironment(options: PrepareOptions): Record<string, string> {
  let jaco: unknown;
  try {
    jaco = parseYaml(options.jacoText);
  } catch (error) {
    throw new JacoError("parse_failed", `parse ${options.jacoPath}: ${messageOf(error)}`);
  }
  const environment = jaco !== null && typeof jaco === "object"
    ? (jaco as Record<string, unknown>).environment
    : undefined;
  if (environment === undefined || environment === null || environment === "") return {};
  if (typeof environment !== "string") {
    throw new JacoError(
      "validation_failed",
      `environment must be a path string, got ${JSON.stringify(environment)}`,
      { field: "environment" },
    );
  }
  const path = joinPath(parentDir(options.jacoPath), environment);
  return prefixed(`load environment file ${path}`, () => {
    let text: string | undefined;
    try {
      text = options.readFile(path);
    } catch (error) {
      throw new JacoError("validation_failed", messageOf(error), { path });
    }
    if (text === undefined) throw new JacoError("validation_failed", "no such file", { path });
    return parseDotenv(text);
  });
}

/** Runs `step`, prefixing a JacoError's message with `<label>: ` (details kept). */
function prefixed<T>(label: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (!isJacoError(error)) throw error;
    throw new JacoError(error.code, `${label}: ${error.message}`, error.details, { cause: error });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
