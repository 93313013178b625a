/**
 * Checks across the manifest pair (apply pipeline steps 7, 8, 10, 11) and
 * against cluster facts the daemon supplies (steps 10–13): membership,
 * routes and ports owned by other deployments, privileged admission.
 *
 * @module
 */

import { JacoError } from "../proto/errors.ts";
import type { TlsMode } from "./_jaco_fields.ts";
import { gatedFieldsOf } from "./_service_facts.ts";
import type { ComposeProject } from "./compose_project.ts";
import { implicitNetworks } from "./compose_project.ts";
import type { JacoManifest } from "./jaco_manifest.ts";
import { effectiveServices } from "./merge.ts";
import { tcpRoutesOf } from "./ports.ts";

/**
 * Cross-file rules, in pipeline order: override names exist in compose
 * (step 7); override networks are declared and not set on `network_mode`
 * services (step 8); `placement: hosts` has enough hosts for its merged
 * replica count (step 10); routes target existing services without
 * `network_mode` (step 11).
 *
 * @throws {JacoError} `unknown_service`, `unknown_network`,
 * `replicas_exceed_pinned_hosts` or `validation_failed`.
 */
export function checkManifestPair(jaco: JacoManifest, compose: ComposeProject): void {
  jaco.services.forEach((entry, index) => {
    if (!compose.services.has(entry.name)) {
      throw new JacoError(
        "unknown_service",
        `jaco service "${entry.name}" is not defined in the compose file`,
        { service: entry.name, field: `services[${index}].name` },
      );
    }
  });
  const declared = new Set([...implicitNetworks, ...compose.networks.keys()]);
  jaco.services.forEach((entry, index) => {
    const mode = compose.services.get(entry.name)!.network_mode;
    for (const network of entry.networks) {
      const details = { service: entry.name, network, field: `services[${index}].networks` };
      if (!declared.has(network)) {
        const list = [...declared].filter((n) => n !== "default").sort();
        throw new JacoError(
          "unknown_network",
          `unknown network: ${network}; declared: [${list.join(", ")}]`,
          details,
        );
      }
      if (mode) {
        throw new JacoError(
          "validation_failed",
          `service "${entry.name}" sets network_mode: ${mode} in compose; jaco.yaml networks cannot be attached to it`,
          details,
        );
      }
    }
  });
  for (const spec of effectiveServices(jaco, compose)) {
    if (spec.placement === "hosts" && spec.replicas > spec.hosts.length) {
      throw new JacoError(
        "replicas_exceed_pinned_hosts",
        `cannot place ${spec.replicas} replicas on ${spec.hosts.length} pinned hosts`,
        { service: spec.name, replicas: String(spec.replicas), hosts: String(spec.hosts.length) },
      );
    }
  }
  jaco.routes.forEach((route, index) => {
    const details = {
      domain: route.domain,
      service: route.service,
      field: `routes[${index}].service`,
    };
    const service = compose.services.get(route.service);
    if (!service) {
      throw new JacoError(
        "unknown_service",
        `route "${route.domain}" references unknown service "${route.service}"`,
        details,
      );
    }
    if (service.network_mode) {
      throw new JacoError(
        "validation_failed",
        `route "${route.domain}" targets service "${route.service}" which sets network_mode: ${service.network_mode}; ` +
          `routes on a service with network_mode are unreachable`,
        details,
      );
    }
  });
}

/** A route another deployment already owns. */
export interface ForeignRoute {
  domain: string;
  path: string;
  deployment: string;
  tls: TlsMode;
}

/** Who is applying, for privileged admission (§2.10 fence 2). */
export interface ApplyCaller {
  /** Token identity; `local` for socket callers. */
  identity: string;
  /** Socket callers bypass the token check. */
  local: boolean;
  allowsPrivileged: boolean;
}

/** Cluster facts the daemon reads from replicated state; only other deployments' entries. */
export interface ClusterFacts {
  /** Hostnames of cluster members (membership, not readiness). */
  members: readonly string[];
  /** Routes owned by other deployments. */
  routesOwnedByOthers: readonly ForeignRoute[];
  /** Published TCP ports owned by other deployments → owning deployment. */
  portsOwnedByOthers: ReadonlyMap<number, string>;
  /** The caller; omit to skip admission (e.g. for a dry plan without identity). */
  caller?: ApplyCaller;
}

/**
 * Cluster-dependent checks, run by the daemon after {@link checkManifestPair}:
 * pinned hosts are members (step 10); no (domain, path) is owned by another
 * deployment and a domain keeps one TLS mode across deployments (step 11);
 * published ports are free, intra-deployment first (step 12); gated services
 * are admitted by the caller's token (step 13).
 *
 * @throws {JacoError} `unknown_host`, `validation_failed`, `route_tls_mixed`,
 * `port_conflict` or `privilege_denied`.
 * @example
 * ```ts
 * checkClusterFacts(jaco, compose, {
 *   members: ["node-1", "node-2"],
 *   routesOwnedByOthers: [],
 *   portsOwnedByOthers: new Map([[5432, "crm"]]),
 *   caller: { identity: "ci", local: false, allowsPrivileged: false },
 * });
 * ```
 */
export function checkClusterFacts(
  jaco: JacoManifest,
  compose: ComposeProject,
  facts: ClusterFacts,
): void {
  const members = new Set(facts.members);
  for (const spec of effectiveServices(jaco, compose)) {
    if (spec.placement !== "hosts") continue;
    for (const host of spec.hosts) {
      if (!members.has(host)) {
        throw new JacoError(
          "unknown_host",
          `service "${spec.name}" pins host "${host}" which is not a cluster member`,
          { service: spec.name, host },
        );
      }
    }
  }
  checkForeignRoutes(jaco, facts.routesOwnedByOthers);
  for (const route of tcpRoutesOf(jaco.deployment, compose)) {
    const owner = facts.portsOwnedByOthers.get(route.publishedPort);
    if (owner !== undefined && owner !== jaco.deployment) {
      throw new JacoError(
        "port_conflict",
        `host port ${route.publishedPort} is already published by deployment "${owner}"`,
        { service: route.service, port: String(route.publishedPort), deployment: owner },
      );
    }
  }
  if (facts.caller) checkAdmission(compose, facts.caller);
}

function checkForeignRoutes(jaco: JacoManifest, foreign: readonly ForeignRoute[]): void {
  for (const route of jaco.routes) {
    for (const other of foreign) {
      if (other.domain !== route.domain) continue;
      if (other.path === route.path) {
        throw new JacoError(
          "validation_failed",
          `route conflict: domain "${route.domain}" path "${route.path}" is already routed by deployment "${other.deployment}"`,
          { domain: route.domain, path: route.path, deployment: other.deployment, field: "routes" },
        );
      }
      if (other.tls !== route.tls) {
        throw new JacoError(
          "route_tls_mixed",
          `domain "${route.domain}" mixes tls:auto and tls:off routes; a domain must use a single TLS mode ` +
            `(deployment "${other.deployment}" uses tls:${other.tls})`,
          { domain: route.domain, deployment: other.deployment, field: "routes" },
        );
      }
    }
  }
}

/** A service that needs privileged admission, and why (`privileged`, `security_opt` or both). */
export interface GatedService {
  service: string;
  fields: string;
}

/**
 * The gated services of a project (§2.10), alphabetical: what admission
 * checks and what the post-commit `privileged_workload_admitted` audit
 * events list.
 */
export function gatedServicesOf(compose: ComposeProject): GatedService[] {
  return compose.serviceNames
    .map((service) => ({ service, fields: gatedFieldsOf(compose.services.get(service)!) }))
    .filter((gated) => gated.fields !== "");
}

function checkAdmission(compose: ComposeProject, caller: ApplyCaller): void {
  if (caller.local || caller.allowsPrivileged) return;
  const [first] = gatedServicesOf(compose);
  if (!first) return;
  throw new JacoError(
    "privilege_denied",
    `token "${caller.identity}" lacks allows_privileged; service "${first.service}" uses ${first.fields}`,
    { service: first.service, fields: first.fields, identity: caller.identity },
  );
}
