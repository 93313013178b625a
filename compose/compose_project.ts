/**
 * Compose decoding and validation (manifests.md §2; apply pipeline steps
 * 4–6): top-level keys, YAML decode, per-service checks in sorted order, then
 * the whole-document load checks.
 *
 * @module
 */

import { JacoError } from "../proto/errors.ts";
import { composeTopFields, serviceNamePattern } from "./_compose_fields.ts";
import { checkComposeLoad } from "./_compose_load.ts";
import { checkService } from "./_service_rules.ts";
import { checkValue, describeValue, isMapping, joinPath } from "./_types.ts";
import { decodeYaml, YamlDecodeError } from "./_yaml.ts";

/**
 * One compose service after validation: the closed field set with values of
 * the documented types. The commonly read fields are typed; the rest stay
 * `unknown` and are passed through.
 */
export interface ComposeService {
  image?: string;
  command?: string | string[] | null;
  entrypoint?: string | string[] | null;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number | Record<string, unknown>>;
  volumes?: Array<string | Record<string, unknown>>;
  networks?: string[] | Record<string, Record<string, unknown> | null>;
  network_mode?: string;
  labels?: Record<string, string | number | boolean | null> | string[];
  deploy?: { replicas?: number; [key: string]: unknown };
  healthcheck?: Record<string, unknown>;
  pull_policy?: "always" | "missing" | "never" | "build";
  [key: string]: unknown;
}

/** A top-level network definition (`null` in the file becomes `{}`). */
export type ComposeNetwork = Record<string, unknown>;

/** A top-level volume definition (`null` in the file becomes `{}`). */
export interface ComposeVolume {
  name?: string;
  external?: boolean | { name?: string };
  [key: string]: unknown;
}

/** A validated compose document. Maps keep any name safe (even `__proto__`). */
export interface ComposeProject {
  /** Service names, sorted. */
  serviceNames: string[];
  services: Map<string, ComposeService>;
  /** Declared top-level networks (the implicit `_default` is not listed). */
  networks: Map<string, ComposeNetwork>;
  volumes: Map<string, ComposeVolume>;
  /** The decoded document as plain data: the source of spec hashes. */
  document: Record<string, unknown>;
}

/** Options of {@link parseComposeProject}. */
export interface ComposeParseOptions {
  /**
   * The text is the daemon-side resolved form (`Deploy.Apply`): any
   * `env_file` left is an error. `jaco validate` leaves this off because
   * the CLI folds `env_file` in at apply time.
   */
  envFileResolved?: boolean;
}

/** Networks every service may join without declaring them. */
export const implicitNetworks: readonly string[] = ["_default", "default"];

/** Refuse absurd inputs before parsing: 300 services are about 150 KiB. */
const maxComposeChars = 8 << 20;

const topLevelRefusals: Readonly<Record<string, string>> = {
  secrets: "JACO has no secrets semantics; pass values through environment or a volume",
  configs: "JACO has no configs semantics; mount the file through a volume",
  include: "it would need the operator's filesystem; merge the files before apply",
};

function fail(message: string, details: Record<string, string>): never {
  throw new JacoError("validation_failed", message, details);
}

/**
 * Decodes and validates a compose text (steps 4–6 of the apply pipeline):
 * closed top-level keys, every service's checks in sorted order, then
 * volume references and dependency cycles.
 *
 * @throws {JacoError} `validation_failed` (YAML errors as `parse compose
 * yaml: …`, load errors as `compose load: …`), `env_file_unresolved`,
 * `legacy_compose_field`, `unknown_network`, `reserved_port`,
 * `invalid_depends_on`, `unknown_depends_on_service`,
 * `unsupported_depends_on_condition`; details name the service and field.
 * @example
 * ```ts
 * const project = parseComposeProject("services:\n  web:\n    image: nginx:1\n");
 * project.serviceNames; // ["web"]
 * ```
 */
export function parseComposeProject(
  text: string,
  options: ComposeParseOptions = {},
): ComposeProject {
  if (text.length > maxComposeChars) {
    fail(`parse compose yaml: document exceeds ${maxComposeChars} characters`, {
      field: "(document)",
    });
  }
  const doc = decode(text);
  checkTopLevel(doc);
  const services = new Map(Object.entries(doc.services as Record<string, ComposeService>));
  const serviceNames = [...services.keys()].sort();
  const networks = definitions<ComposeNetwork>(doc.networks);
  const volumes = definitions<ComposeVolume>(doc.volumes);
  const context = {
    declaredNetworks: new Set([...implicitNetworks, ...networks.keys()]),
    serviceNames: new Set(serviceNames),
    envFileResolved: options.envFileResolved ?? false,
  };
  for (const name of serviceNames) checkService(name, services.get(name)!, context);
  checkComposeLoad(services, serviceNames, new Set(volumes.keys()));
  return { serviceNames, services, networks, volumes, document: doc };
}

function decode(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = decodeYaml(text);
  } catch (error) {
    if (!(error instanceof YamlDecodeError)) throw error;
    throw new JacoError("validation_failed", `parse compose yaml: ${error.message}`, {
      field: "(document)",
    }, { cause: error });
  }
  if (doc === null || doc === undefined) fail("compose file is empty", { field: "services" });
  if (!isMapping(doc)) {
    fail(`parse compose yaml: document must be a mapping, got ${describeValue(doc)}`, {
      field: "(document)",
    });
  }
  return doc;
}

function checkTopLevel(doc: Record<string, unknown>): void {
  for (const key of Object.keys(doc).sort()) {
    if (key.startsWith("x-") || Object.hasOwn(composeTopFields, key)) continue;
    if (Object.hasOwn(topLevelRefusals, key)) {
      fail(`compose top-level key "${key}" is not supported: ${topLevelRefusals[key]}`, {
        field: key,
      });
    }
    fail(
      `compose top-level key "${key}" is not supported (allowed: ${
        Object.keys(composeTopFields).join(", ")
      }, x-*)`,
      { field: key },
    );
  }
  const services = doc.services;
  if (services === undefined || services === null) {
    fail("compose file defines no services", { field: "services" });
  }
  if (!isMapping(services)) {
    fail(`compose services must be a mapping, got ${describeValue(services)}`, {
      field: "services",
    });
  }
  if (Object.keys(services).length === 0) {
    fail("compose file defines no services", { field: "services" });
  }
  for (const name of Object.keys(services).sort()) {
    if (!serviceNamePattern.test(name)) {
      fail(`service name "${name}" is invalid: use letters, digits, ".", "_" and "-"`, {
        service: name,
        field: joinPath("services", name),
      });
    }
    if (!isMapping(services[name])) {
      fail(`service "${name}" must be a mapping, got ${describeValue(services[name])}`, {
        service: name,
        field: joinPath("services", name),
      });
    }
  }
  for (const key of ["version", "name", "networks", "volumes"] as const) {
    if (!Object.hasOwn(doc, key)) continue;
    const problem = checkValue(doc[key], composeTopFields[key].type, { path: key, sortKeys: true });
    if (problem) {
      const what = problem.kind === "unknown_key"
        ? `has unknown key "${problem.key}"`
        : `must be ${problem.expected}, got ${describeValue(problem.value)}`;
      fail(`compose ${problem.path} ${what}`, { field: problem.path });
    }
  }
  for (const [name, network] of Object.entries((doc.networks ?? {}) as Record<string, unknown>)) {
    if (isMapping(network) && network.external === true) {
      fail(
        `compose network "${name}" is external; JACO creates every network itself ` +
          `(jaco_<deployment>_${name}), remove external`,
        { field: `networks.${name}.external` },
      );
    }
  }
}

function definitions<T>(value: unknown): Map<string, T> {
  const map = new Map<string, T>();
  if (!isMapping(value)) return map;
  for (const [key, definition] of Object.entries(value)) {
    map.set(key, (isMapping(definition) ? definition : {}) as T);
  }
  return map;
}
