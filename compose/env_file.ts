/**
 * Client-side `env_file:` folding (manifests.md §3.3): the daemon never reads
 * the operator's disk, so the CLI merges every service's env files into its
 * `environment:` map and drops `env_file:` before sending the compose bytes.
 *
 * Paths here are POSIX (`/`-separated); the CLI hands in absolute or
 * cwd-relative paths and the file reader resolves them.
 *
 * @module
 */

import {
  type Document,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  type Pair,
  parseDocument,
  Scalar,
  visit,
  YAMLMap,
} from "yaml";
import { JacoError } from "../proto/errors.ts";
import { parseDotenv } from "./dotenv.ts";

/**
 * Reads a text file for the preprocessing steps. Returns `undefined` when the
 * file does not exist; throws for any other failure (permissions, a directory).
 */
export type TextFileReader = (path: string) => string | undefined;

/** Inputs of {@link resolveEnvFiles}. */
export interface EnvFileOptions {
  readFile: TextFileReader;
  /** Directory the compose file lives in; relative `env_file` paths start here. */
  composeDir: string;
  /** False when the compose text has no file on disk (stdin): `env_file` is refused. */
  hasPath: boolean;
}

/** `dir` joined with `path` (absolute `path` wins), with `.` and `..` folded. */
export function joinPath(dir: string, path: string): string {
  const joined = path.startsWith("/") ? path : `${dir}/${path}`;
  const absolute = joined.startsWith("/");
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else if (part !== ".." || !absolute) parts.push(part);
  }
  const body = parts.join("/");
  return absolute ? `/${body}` : body === "" ? "." : body;
}

/** The directory part of a POSIX path (`.` for a bare file name). */
export function parentDir(path: string): string {
  const slash = path.replace(/\/+$/, "").lastIndexOf("/");
  if (slash < 0) return ".";
  return slash === 0 ? "/" : path.slice(0, slash);
}

interface EnvFileEntry {
  path: string;
  required: boolean;
}

function envFileEntries(service: string, value: unknown): EnvFileEntry[] {
  const fail = (message: string) =>
    new JacoError("validation_failed", `service "${service}": ${message}`, {
      service,
      field: "env_file",
    });
  const entry = (item: unknown): EnvFileEntry => {
    if (typeof item === "string") return { path: item, required: true };
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      throw fail(`env_file entry ${JSON.stringify(item)} must be a path or {path, required}`);
    }
    const { path, required = true, ...unknown } = item as Record<string, unknown>;
    const extra = Object.keys(unknown);
    if (extra.length > 0) throw fail(`env_file entry has unsupported key "${extra[0]}"`);
    if (typeof path !== "string" || path === "") throw fail("env_file entry needs a string path");
    if (typeof required !== "boolean") throw fail(`env_file "${path}" required must be a boolean`);
    return { path, required };
  };
  return Array.isArray(value) ? value.map(entry) : [entry(value)];
}

/** A service's explicit `environment:` (map or `KEY=v` list); `null` = no value. */
function explicitEnvironment(service: string, value: unknown): Map<string, string | null> {
  const result = new Map<string, string | null>();
  if (value === null || value === undefined) return result;
  if (Array.isArray(value)) {
    for (const item of value) {
      const text = String(item);
      const equals = text.indexOf("=");
      if (equals < 0) result.set(text, null);
      else result.set(text.slice(0, equals), text.slice(equals + 1));
    }
    return result;
  }
  if (typeof value !== "object") {
    throw new JacoError(
      "validation_failed",
      `service "${service}": environment must be a map or a list`,
      { service, field: "environment" },
    );
  }
  for (const [key, item] of Object.entries(value)) {
    result.set(key, item === null ? null : String(item));
  }
  return result;
}

/**
 * Folds every service's `env_file:` into `environment:` (compose precedence:
 * explicit `environment:` > later file > earlier file). The new map has sorted
 * keys, double-quoted string values, and value-less keys as YAML null (`FOO:`).
 * A missing file with `required: false` is skipped. Services without
 * `env_file` are untouched; a document with none comes back byte-for-byte.
 *
 * @throws {JacoError} `validation_failed`: `env_file` in a document without an
 * on-disk path; an unreadable or missing required file
 * (`service "<s>": env_file <path>: …`); a file that does not parse as dotenv
 * @example
 * ```ts
 * resolveEnvFiles(composeText, {
 *   readFile: (p) => files.get(p),
 *   composeDir: "/srv/app",
 *   hasPath: true,
 * });
 * ```
 */
export function resolveEnvFiles(composeText: string, options: EnvFileOptions): string {
  if (!composeText.includes("env_file")) return composeText;
  const doc = parseDocument(composeText, { merge: true });
  if (doc.errors.length > 0) {
    throw new JacoError("validation_failed", `parse compose yaml: ${doc.errors[0].message}`);
  }
  const services = doc.get("services");
  if (!isMap(services)) return composeText;
  let changed = false;
  for (const pair of services.items as Pair<unknown, unknown>[]) {
    const name = String(keyOf(pair));
    if (!isMap(pair.value)) continue;
    if (!pair.value.has("env_file")) {
      if (!effectivePairs(pair.value, doc, 0).some((p) => keyOf(p) === "env_file")) continue;
      inlineMerges(pair.value, doc);
    }
    foldService(name, pair.value, options);
    changed = true;
  }
  if (!changed) return composeText;
  return doc.toString({ indent: 2, flowCollectionPadding: false });
}

function foldService(name: string, service: YAMLMap, options: EnvFileOptions): void {
  if (!options.hasPath) {
    throw new JacoError(
      "validation_failed",
      `service "${name}" uses env_file but the compose document has no path on disk; ` +
        `env_file paths are relative to the compose file: pass --compose <path>`,
      { service: name, field: "env_file" },
    );
  }
  const fromFiles = new Map<string, string | null>();
  const entries = envFileEntries(name, toPlain(service.get("env_file", true)));
  for (const { path, required } of entries) {
    const fullPath = joinPath(options.composeDir, path);
    const fail = (reason: string) =>
      new JacoError("validation_failed", `service "${name}": env_file ${fullPath}: ${reason}`, {
        service: name,
        path: fullPath,
      });
    let text: string | undefined;
    try {
      text = options.readFile(fullPath);
    } catch (error) {
      throw fail(error instanceof Error ? error.message : String(error));
    }
    if (text === undefined) {
      if (!required) continue;
      throw fail("no such file");
    }
    let values: Record<string, string>;
    try {
      values = parseDotenv(text);
    } catch (error) {
      throw fail(error instanceof Error ? error.message : String(error));
    }
    for (const [key, value] of Object.entries(values)) fromFiles.set(key, value);
  }
  const explicit = explicitEnvironment(name, toPlain(service.get("environment", true)));
  const merged = new Map([...fromFiles, ...explicit]);
  const environment = new YAMLMap<Scalar, Scalar>();
  for (const key of [...merged.keys()].sort()) {
    const value = merged.get(key) ?? null;
    const node = new Scalar(value);
    if (value === null) node.source = "";
    else node.type = Scalar.QUOTE_DOUBLE;
    environment.add({ key: new Scalar(key), value: node } as Pair<Scalar, Scalar>);
  }
  const envFilePair = (service.items as Pair<unknown, unknown>[]).find((p) =>
    keyOf(p) === "env_file"
  );
  if (service.has("environment")) {
    service.set("environment", environment);
    service.delete("env_file");
  } else if (envFilePair) {
    // Put `environment:` where `env_file:` stood, so the service reads in the same order.
    envFilePair.key = new Scalar("environment");
    envFilePair.value = environment;
  }
}

function keyOf(pair: Pair<unknown, unknown>): unknown {
  return isScalar(pair.key) ? pair.key.value : pair.key;
}

function isMergePair(pair: Pair<unknown, unknown>): boolean {
  const key = keyOf(pair);
  return key === "<<" || (typeof key === "symbol" && key.description === "<<");
}

/** Nesting of `<<` merges followed before giving up (real files use one or two). */
const maxMergeDepth = 16;

/**
 * The pairs a map has after `<<` merge keys are applied: its own pairs first,
 * then merged ones whose key it does not already have (earlier sources win).
 */
function effectivePairs(
  map: YAMLMap,
  doc: Document,
  depth: number,
): Pair<unknown, unknown>[] {
  const own = (map.items as Pair<unknown, unknown>[]).filter((pair) => !isMergePair(pair));
  const seen = new Set(own.map(keyOf));
  const result = [...own];
  if (depth > maxMergeDepth) return result;
  for (const pair of map.items as Pair<unknown, unknown>[]) {
    if (!isMergePair(pair)) continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const resolved = isAlias(source) ? source.resolve(doc) : source;
      if (!isMap(resolved)) continue;
      for (const merged of effectivePairs(resolved, doc, depth + 1)) {
        if (seen.has(keyOf(merged))) continue;
        seen.add(keyOf(merged));
        result.push(merged);
      }
    }
  }
  return result;
}

/**
 * Replaces a service's `<<` merges with copies of the pairs they bring in, so
 * an `env_file` inherited from an `x-` anchor can be folded and removed for
 * this service without touching the anchor other services may share.
 */
function inlineMerges(service: YAMLMap, doc: Document): void {
  const pairs = effectivePairs(service, doc, 0).map((pair) => {
    if ((service.items as unknown[]).includes(pair)) return pair;
    const copy = pair.clone();
    // Anchors inside the copy would be defined twice in the output; the copy needs none.
    if (isNode(copy.value)) {
      visit(copy.value, (_key, node) => {
        if (isNode(node)) delete node.anchor;
      });
    }
    return copy;
  });
  service.items = pairs;
}

/** A node's plain JS value (`undefined` for a missing node). */
function toPlain(node: unknown): unknown {
  if (node === undefined || node === null) return node;
  if (isScalar(node) || isMap(node) || isSeq(node)) return node.toJSON();
  return node;
}
