/**
 * `jaco.yaml` decoding (manifests.md §1; apply pipeline steps 2–3): YAML
 * decode, the removed `compose_service` key, the strict closed schema,
 * defaults, then the intrinsic rules.
 *
 * @module
 */

import { JacoError } from "../proto/errors.ts";
import { jacoManifestType, type PlacementMode, type TlsMode } from "./_jaco_fields.ts";
import { checkJacoRules } from "./_jaco_rules.ts";
import { checkValue, describeValue, isMapping, joinPath, maxDepth } from "./_types.ts";
import { decodeYaml, YamlDecodeError } from "./_yaml.ts";

/** One public HTTP(S) route after defaulting (`tls` resolved against `acme`). */
export interface RouteSpec {
  /** Host header to match, lower-cased (host names are case-insensitive). */
  domain: string;
  service: string;
  port: number;
  tls: TlsMode;
  /** `""` is the catch-all. */
  path: string;
  stripPath: boolean;
}

/** One `services[*]` override as written (`replicas` stays absent when omitted). */
export interface JacoServiceOverride {
  name: string;
  replicas?: number;
  placement: PlacementMode;
  hosts: string[];
  networks: string[];
}

/** A decoded, intrinsically valid `jaco.yaml`. */
export interface JacoManifest {
  deployment: string;
  /** Dotenv path for interpolation (CLI-side only); absent when not set. */
  environment?: string;
  acme: "on" | "off";
  /** Empty means the cluster-wide default from jacod.yaml. */
  acmeEmail: string;
  routes: RouteSpec[];
  services: JacoServiceOverride[];
}

/** Refuse absurd inputs before parsing: a real jaco.yaml is a few kilobytes. */
const maxJacoChars = 1 << 20;

/**
 * Decodes and validates a `jaco.yaml` text: strict closed schema, defaults
 * and every intrinsic rule of manifests.md §1.1–1.6, first failure wins.
 *
 * @throws {JacoError} `parse_failed` for YAML syntax errors and wrong value
 * types; `validation_failed` for unknown keys (`details.field` is the dotted
 * path), the removed `compose_service` key and rule violations;
 * `route_tls_mixed` and `route_multiple_catchall` for conflicting routes.
 * @example
 * ```ts
 * const manifest = parseJacoManifest("deployment: shop\n");
 * manifest.services; // []
 * ```
 */
export function parseJacoManifest(text: string): JacoManifest {
  if (text.length > maxJacoChars) {
    throw new JacoError(
      "parse_failed",
      `parse jaco yaml: document exceeds ${maxJacoChars} characters`,
    );
  }
  let doc: unknown;
  try {
    doc = decodeYaml(text);
  } catch (error) {
    if (!(error instanceof YamlDecodeError)) throw error;
    throw new JacoError("parse_failed", `parse jaco yaml: ${error.message}`, {}, { cause: error });
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isMapping(doc)) {
    throw new JacoError(
      "parse_failed",
      `parse jaco yaml: document must be a mapping, got ${describeValue(doc)}`,
    );
  }
  const removed = findKey(doc, "compose_service", "", 0);
  if (removed !== undefined) {
    throw new JacoError(
      "validation_failed",
      `compose_service is no longer supported; rename "name" to match the compose service key`,
      { field: removed },
    );
  }
  const problem = checkValue(doc, jacoManifestType, { constraints: false, nullIsAbsent: true });
  if (problem?.kind === "unknown_key") {
    const where = problem.path.slice(0, -(problem.key!.length + 1)) || "jaco.yaml";
    throw new JacoError(
      "validation_failed",
      `unknown field "${problem.key}" in ${where} (allowed: ${problem.allowed!.join(", ")})`,
      { field: problem.path },
    );
  }
  if (problem) {
    throw new JacoError(
      "parse_failed",
      `parse jaco yaml: ${problem.path}: expected ${problem.expected}, got ${
        describeValue(problem.value)
      }`,
      { field: problem.path },
    );
  }
  const manifest = withDefaults(doc);
  checkJacoRules(manifest, str(doc.acme));
  return manifest;
}

/** Dotted path of the first occurrence of `key` at any depth, in document order. */
function findKey(value: unknown, key: string, path: string, depth: number): string | undefined {
  if (depth > maxDepth) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findKey(value[i], key, joinPath(path, i), depth + 1);
      if (found !== undefined) return found;
    }
  } else if (isMapping(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === key) return joinPath(path, k);
      const found = findKey(v, key, joinPath(path, k), depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

type Raw = Record<string, unknown>;

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(str) : [];
}

/** Applies step-2 defaults to a structurally valid document (placement spread, tls per acme). */
function withDefaults(doc: Raw): JacoManifest {
  const acmeRaw = str(doc.acme);
  const acmeOff = acmeRaw.toLowerCase() === "off";
  const routes = ((doc.routes ?? []) as Raw[]).map((route): RouteSpec => ({
    domain: str(route.domain).toLowerCase(),
    service: str(route.service),
    port: typeof route.port === "number" ? route.port : 0,
    tls: (str(route.tls) || (acmeOff ? "off" : "auto")) as TlsMode,
    path: str(route.path),
    stripPath: route.strip_path === true,
  }));
  const services = ((doc.services ?? []) as Raw[]).map((entry): JacoServiceOverride => {
    const override: JacoServiceOverride = {
      name: str(entry.name),
      placement: (str(entry.placement) || "spread") as PlacementMode,
      hosts: strings(entry.hosts),
      networks: strings(entry.networks),
    };
    if (typeof entry.replicas === "number") override.replicas = entry.replicas;
    return override;
  });
  const manifest: JacoManifest = {
    deployment: str(doc.deployment),
    acme: acmeOff ? "off" : "on",
    acmeEmail: str(doc.acme_email),
    routes,
    services,
  };
  // An empty path means no environment file, as if the key were absent.
  if (typeof doc.environment === "string" && doc.environment !== "") {
    manifest.environment = doc.environment;
  }
  return manifest;
}
