/**
 * Per-service compose checks (manifests.md §2.2–2.10, pipeline step 5), in
 * contract order: `env_file` (daemon side only), legacy keys, allowlist,
 * value types, declared networks, reserved ports, `pull_policy`, privileged
 * label, `network_mode`, `depends_on`. Keys are visited sorted so the first
 * error is deterministic.
 *
 * @module
 */

import { JacoError } from "../proto/errors.ts";
import { composeServiceFields, legacyServiceFields } from "./_compose_fields.ts";
import { checkValue, describeValue, isMapping, joinPath, type TypeProblem } from "./_types.ts";
import { parsePortEntry, PortSyntaxError, reservedPortOf } from "./ports.ts";
import {
  allowPrivilegedLabel,
  dependsOnOf,
  gatedFieldsOf,
  labelOf,
  networkNamesOf,
} from "./_service_facts.ts";

/** What the per-service checks need to know about the whole document. */
export interface ServiceContext {
  /** Declared network names, including the implicit `_default` (and `default`). */
  readonly declaredNetworks: ReadonlySet<string>;
  readonly serviceNames: ReadonlySet<string>;
  /** The compose text is the daemon-side resolved form: `env_file` must be gone. */
  readonly envFileResolved: boolean;
}

type Service = Record<string, unknown>;

const pullPolicyType = composeServiceFields.pull_policy.type as { enum: readonly string[] };

/**
 * Runs the step-5 checks on one service.
 *
 * @throws {JacoError} the first violation, with `details.service` and `details.field`.
 */
export function checkService(name: string, service: Service, context: ServiceContext): void {
  const keys = Object.keys(service).sort();
  if (context.envFileResolved && Object.hasOwn(service, "env_file")) {
    throw new JacoError(
      "env_file_unresolved",
      `service "${name}" uses env_file; env_file must be resolved client-side before apply`,
      { service: name, field: "env_file" },
    );
  }
  for (const key of keys) {
    if (Object.hasOwn(legacyServiceFields, key)) {
      const modern = legacyServiceFields[key];
      throw new JacoError(
        "legacy_compose_field",
        `compose field "${key}" is a v1/v2 spelling dropped from the modern spec; use ${modern} instead`,
        { service: name, field: key, modern_equivalent: modern },
      );
    }
  }
  for (const key of keys) {
    if (!Object.hasOwn(composeServiceFields, key) && !key.startsWith("x-")) {
      throw new JacoError(
        "validation_failed",
        `service "${name}" uses unsupported compose field "${key}" (not in JACO's closed set)`,
        { service: name, field: key },
      );
    }
  }
  for (const key of keys) {
    if (key.startsWith("x-") || composeServiceFields[key].ownRule) continue;
    checkFieldType(name, key, service[key]);
  }
  checkNetworks(name, service, context);
  checkPorts(name, service);
  checkPullPolicy(name, service);
  checkPrivileged(name, service);
  checkNetworkMode(name, service, context);
  checkDependsOn(name, service, context);
}

function checkFieldType(name: string, key: string, value: unknown): void {
  const problem = checkValue(value, composeServiceFields[key].type, { path: key, sortKeys: true });
  if (problem) throwTypeProblem(name, problem);
}

function throwTypeProblem(name: string, problem: TypeProblem): never {
  if (problem.kind === "unknown_key") {
    const parent = problem.path.slice(0, -(problem.key!.length + 1));
    throw new JacoError(
      "validation_failed",
      `service "${name}" field "${parent}" has unknown key "${problem.key}" (allowed: ${
        problem.allowed!.join(", ")
      })`,
      { service: name, field: problem.path },
    );
  }
  throw new JacoError(
    "validation_failed",
    `service "${name}" field "${problem.path}" must be ${problem.expected}, got ${
      describeValue(problem.value)
    }`,
    { service: name, field: problem.path },
  );
}

function checkNetworks(name: string, service: Service, context: ServiceContext): void {
  for (const network of networkNamesOf(service).sort()) {
    if (context.declaredNetworks.has(network)) continue;
    const declared = [...context.declaredNetworks].filter((n) => n !== "default").sort();
    throw new JacoError(
      "unknown_network",
      `unknown network: ${network}; declared: [${declared.join(", ")}]`,
      { service: name, network, field: "networks" },
    );
  }
}

function checkPorts(name: string, service: Service): void {
  const ports = Array.isArray(service.ports) ? service.ports : [];
  ports.forEach((entry, index) => {
    let mapping;
    try {
      mapping = parsePortEntry(entry);
    } catch (error) {
      if (!(error instanceof PortSyntaxError)) throw error;
      const shown = isMapping(entry)
        ? Object.entries(entry).map(([key, value]) => `${key}: ${value}`).join(", ")
        : String(entry);
      throw new JacoError(
        "validation_failed",
        `service "${name}" has an invalid ports entry "${shown}": ${error.message}`,
        { service: name, field: joinPath("ports", index), entry: shown },
      );
    }
    const port = reservedPortOf(mapping);
    if (port !== undefined) {
      throw new JacoError(
        "reserved_port",
        `service "${name}" publishes reserved host port ${port} (entry "${mapping.entry}"); ` +
          `80 and 443 belong to JACO's HTTP/S ingress`,
        {
          service: name,
          port: String(port),
          entry: mapping.entry,
          field: joinPath("ports", index),
        },
      );
    }
  });
}

function checkPullPolicy(name: string, service: Service): void {
  if (!Object.hasOwn(service, "pull_policy")) return;
  const value = service.pull_policy;
  if (typeof value !== "string") {
    throw new JacoError("validation_failed", "pull_policy must be a string", {
      service: name,
      field: "pull_policy",
    });
  }
  if (!pullPolicyType.enum.includes(value)) {
    throw new JacoError(
      "validation_failed",
      `service "${name}": pull_policy "${value}" unsupported (allowed: ${
        pullPolicyType.enum.join(", ")
      })`,
      { service: name, field: "pull_policy", value },
    );
  }
}

function checkPrivileged(name: string, service: Service): void {
  const fields = gatedFieldsOf(service);
  if (fields === "" || labelOf(service, allowPrivilegedLabel) === "true") return;
  throw new JacoError(
    "validation_failed",
    `service "${name}" uses ${fields} but lacks required label ${allowPrivilegedLabel}="true"`,
    { service: name, fields, label: allowPrivilegedLabel, field: fields.split(",")[0] },
  );
}

function checkNetworkMode(name: string, service: Service, context: ServiceContext): void {
  if (!Object.hasOwn(service, "network_mode")) return;
  const value = service.network_mode;
  const details = { service: name, field: "network_mode" };
  if (typeof value !== "string") {
    throw new JacoError(
      "validation_failed",
      `service "${name}": network_mode must be a string, got ${describeValue(value)}`,
      { ...details, value: describeValue(value) },
    );
  }
  if (value === "") return;
  if (value.startsWith("service:")) {
    const target = value.slice("service:".length);
    const withTarget = { ...details, value, target_service: target };
    if (target === "") {
      throw new JacoError(
        "validation_failed",
        `service "${name}": network_mode service: needs a service name`,
        withTarget,
      );
    }
    if (target === name) {
      throw new JacoError(
        "validation_failed",
        `service "${name}": network_mode service:${target} points at itself`,
        withTarget,
      );
    }
    if (!context.serviceNames.has(target)) {
      throw new JacoError(
        "validation_failed",
        `service "${name}": network_mode service:${target} — no service named "${target}" in deployment`,
        withTarget,
      );
    }
  } else if (value !== "none") {
    throw new JacoError(
      "validation_failed",
      `network_mode "${value}" rejected; JACO only accepts "none" or "service:<name>" ` +
        `(service "${name}"; host, bridge, container: and named networks would bypass deployment isolation)`,
      { ...details, value },
    );
  }
  // Docker refuses both combinations at container create; say so now instead.
  for (const conflicting of ["networks", "ports"]) {
    if (Object.hasOwn(service, conflicting)) {
      throw new JacoError(
        "validation_failed",
        `service "${name}" sets network_mode: ${value} and ${conflicting}; they cannot be combined`,
        { ...details, value, field: conflicting },
      );
    }
  }
}

function checkDependsOn(name: string, service: Service, context: ServiceContext): void {
  if (!Object.hasOwn(service, "depends_on")) return;
  const problem = checkValue(service.depends_on, composeServiceFields.depends_on.type, {
    path: "depends_on",
    sortKeys: true,
    constraints: false,
  });
  if (problem) throwTypeProblem(name, problem);
  for (const dep of dependsOnOf(service)) {
    const details = { service: name, depends_on: dep.service, field: "depends_on" };
    if (dep.service === name) {
      throw new JacoError("invalid_depends_on", `service "${name}" depends on itself`, details);
    }
    if (!context.serviceNames.has(dep.service)) {
      throw new JacoError(
        "unknown_depends_on_service",
        `service "${name}" depends_on undeclared service "${dep.service}"`,
        details,
      );
    }
    if (dep.condition !== "service_started" && dep.condition !== "service_healthy") {
      throw new JacoError(
        "unsupported_depends_on_condition",
        `service "${name}" depends_on "${dep.service}" with unsupported condition "${dep.condition}" ` +
          `(supported: service_started, service_healthy)`,
        { ...details, condition: dep.condition },
      );
    }
  }
}
