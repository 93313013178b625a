/**
 * Intrinsic rules of `jaco.yaml` (manifests.md §1.1–1.6, pipeline step 3), in
 * contract order: deployment name, `acme`, `acme_email`, service overrides,
 * routes. First failure wins. Enums, bounds and patterns come from the field
 * table so the rules and the JSON Schema agree.
 *
 * @module
 */

import { JacoError } from "../proto/errors.ts";
import {
  acmePattern,
  deploymentNameMaxLength,
  deploymentNamePattern,
  hostnamePattern,
  PlacementMode,
  routeFields,
  TlsMode,
} from "./_jaco_fields.ts";
import { emailAddressProblem } from "./_email.ts";
import type { JacoManifest, JacoServiceOverride, RouteSpec } from "./jaco_manifest.ts";

const placements: readonly string[] = Object.values(PlacementMode);
const tlsModes: readonly string[] = Object.values(TlsMode);
const maxPort = (routeFields.port.type as { maximum: number }).maximum;

function fail(message: string, details: Record<string, string>): never {
  throw new JacoError("validation_failed", message, details);
}

/**
 * Runs every intrinsic rule; `acmeRaw` is `acme:` as written (the manifest
 * holds it normalised).
 *
 * @throws {JacoError} on the first violated rule.
 */
export function checkJacoRules(manifest: JacoManifest, acmeRaw: string): void {
  const name = manifest.deployment;
  if (name === "") fail("deployment name is required", { field: "deployment" });
  if (name.length > deploymentNameMaxLength || !deploymentNamePattern.test(name)) {
    fail(
      `deployment name "${name}" is invalid: use lower-case letters, digits, "-" and "_", ` +
        `starting and ending with a letter or digit, at most ${deploymentNameMaxLength} characters`,
      { field: "deployment", value: name },
    );
  }
  if (!acmePattern.test(acmeRaw)) {
    fail(`acme "${acmeRaw}" is unknown (want on|off)`, { field: "acme", value: acmeRaw });
  }
  if (manifest.acme !== "off" && manifest.acmeEmail !== "") {
    const problem = emailAddressProblem(manifest.acmeEmail);
    if (problem) {
      fail(`acme_email "${manifest.acmeEmail}" is not a valid email address: ${problem}`, {
        field: "acme_email",
        value: manifest.acmeEmail,
      });
    }
  }
  const seen = new Set<string>();
  manifest.services.forEach((entry, index) => checkOverride(entry, index, seen));
  manifest.routes.forEach(checkRoute);
  checkRouteSet(manifest.routes);
}

function checkOverride(entry: JacoServiceOverride, index: number, seen: Set<string>): void {
  const field = (key: string) => `services[${index}].${key}`;
  const s = entry.name;
  if (s === "") fail("service name is required", { field: field("name") });
  if (entry.replicas !== undefined && entry.replicas < 0) {
    fail(`service "${s}" replicas must be >= 0`, { service: s, field: field("replicas") });
  }
  if (!placements.includes(entry.placement)) {
    fail(
      `service "${s}" has unknown placement "${entry.placement}" (want spread|pack|hosts|global)`,
      {
        service: s,
        field: field("placement"),
      },
    );
  }
  if (entry.placement === "global" && entry.replicas !== undefined) {
    fail(
      `service "${s}" uses placement=global; remove replicas (global runs one replica per ready node)`,
      { service: s, field: field("replicas") },
    );
  }
  if (entry.placement === "hosts" && entry.hosts.length === 0) {
    fail(`service "${s}" uses placement=hosts but hosts is empty`, {
      service: s,
      field: field("hosts"),
    });
  }
  checkEntries(s, "hosts", entry.hosts, field("hosts"));
  checkEntries(s, "networks", entry.networks, field("networks"));
  if (seen.has(s)) {
    fail(`service "${s}" declared more than once`, { service: s, field: field("name") });
  }
  seen.add(s);
}

/**
 * Contract addition: list entries are non-empty and not repeated (a repeat is
 * always a typo). `hosts` is checked even when the placement ignores it, so
 * the validator and the JSON Schema accept the same documents.
 */
function checkEntries(service: string, key: string, values: string[], field: string): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (value === "") {
      fail(`service "${service}" has an empty entry in ${key}`, {
        service,
        field: `${field}[${i}]`,
      });
    }
    if (seen.has(value)) {
      fail(`service "${service}" lists ${key} entry "${value}" more than once`, {
        service,
        field: `${field}[${i}]`,
      });
    }
    seen.add(value);
  });
}

function checkRoute(route: RouteSpec, index: number): void {
  const field = (key: string) => `routes[${index}].${key}`;
  const d = route.domain;
  if (d === "") fail("route domain is required", { field: field("domain") });
  if (d.length > 253 || !hostnamePattern.test(d)) {
    fail(`route "${d}" domain is not a valid host name`, { domain: d, field: field("domain") });
  }
  if (route.service === "") {
    fail(`route "${d}" service is required`, { domain: d, field: field("service") });
  }
  if (route.port <= 0) fail(`route "${d}" port must be > 0`, { domain: d, field: field("port") });
  if (route.port > maxPort) {
    fail(`route "${d}" port must be <= ${maxPort}`, { domain: d, field: field("port") });
  }
  if (!tlsModes.includes(route.tls)) {
    fail(`route "${d}" has unknown tls "${route.tls}" (want auto|off)`, {
      domain: d,
      field: field("tls"),
    });
  }
  if (route.path !== "" && !route.path.startsWith("/")) {
    fail(`route "${d}" path "${route.path}" must start with "/"`, {
      domain: d,
      field: field("path"),
    });
  }
}

/**
 * Rules across routes, each scanned over domains in order of first
 * appearance: one TLS mode per domain, one catch-all per domain (all
 * catch-all services listed), unique (domain, path).
 */
function checkRouteSet(routes: RouteSpec[]): void {
  const byDomain = new Map<string, RouteSpec[]>();
  for (const route of routes) {
    const list = byDomain.get(route.domain) ?? [];
    list.push(route);
    byDomain.set(route.domain, list);
  }
  for (const [domain, list] of byDomain) {
    if (new Set(list.map((r) => r.tls)).size > 1) {
      throw new JacoError(
        "route_tls_mixed",
        `domain "${domain}" mixes tls:auto and tls:off routes; a domain must use a single TLS mode`,
        { domain, field: "routes" },
      );
    }
  }
  for (const [domain, list] of byDomain) {
    const catchAll = list.filter((r) => r.path === "").map((r) => r.service);
    if (catchAll.length > 1) {
      throw new JacoError(
        "route_multiple_catchall",
        `multiple catch-all routes for domain "${domain}": services [${
          catchAll.join(", ")
        }]; declare a path: prefix on all but one`,
        { domain, services: catchAll.join(","), field: "routes" },
      );
    }
  }
  for (const [domain, list] of byDomain) {
    const paths = new Set<string>();
    for (const route of list) {
      if (paths.has(route.path)) {
        fail(
          `route conflict: domain "${domain}" path "${route.path}" is declared more than once; ` +
            `(domain, path) combinations must be unique`,
          { domain, path: route.path, field: "routes" },
        );
      }
      paths.add(route.path);
    }
  }
}
