/**
 * What one `Deploy.Apply` would commit (manifests.md §1.8–§1.9, §2.5): the validated manifest
 * pair turned into the `DeploymentApply` content — effective service specs, HTTP routes, TCP
 * routes and the ACME e-mail — plus the parsed documents the diff and admission need.
 *
 * Decisions where the spec is silent:
 * - The daemon re-validates everything the CLI already checked (it never trusts the client):
 *   steps 1–12 of manifests.md §4 run here from the raw bytes, first failure wins.
 * - Compose text must be the CLI-resolved form (`env_file` left = `env_file_unresolved`).
 *
 * @module
 */
import {
  checkManifestPair,
  type ComposeProject,
  effectiveServices,
  type JacoManifest,
  parseComposeProject,
  parseJacoManifest,
  type PlacementMode,
  tcpRoutesOf,
} from "../../compose/mod.ts";
import { type Route, ServiceSpec_PlacementMode, type TCPRoute } from "../../proto/mod.ts";
import type { ServiceSpec } from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";

/** The content of one revision as `DeploymentApply` carries it. */
export interface RevisionContent {
  /** Deployment name. */
  deployment: string;
  /** Raw jaco.yaml bytes, as sent. */
  jacoYaml: Uint8Array;
  /** Resolved compose bytes, as sent. */
  composeYaml: Uint8Array;
  /** Effective specs, sorted by service name. */
  services: ServiceSpec[];
  /** HTTP routes, sorted by (domain, path). */
  routes: Route[];
  /** TCP routes, sorted by published port. */
  tcpRoutes: TCPRoute[];
  /** jaco `acme_email`, else the daemon default. */
  acmeEmail: string;
}

/** A validated manifest pair and the content it yields. */
export interface PreparedRevision {
  /** Decoded jaco.yaml. */
  jaco: JacoManifest;
  /** Decoded resolved compose. */
  compose: ComposeProject;
  /** What the commit writes. */
  content: RevisionContent;
}

const placements: Record<PlacementMode, ServiceSpec_PlacementMode> = {
  spread: ServiceSpec_PlacementMode.PLACEMENT_MODE_SPREAD,
  pack: ServiceSpec_PlacementMode.PLACEMENT_MODE_PACK,
  hosts: ServiceSpec_PlacementMode.PLACEMENT_MODE_HOSTS,
  global: ServiceSpec_PlacementMode.PLACEMENT_MODE_GLOBAL,
};

/**
 * Validates the pair (pipeline steps 1–12 without cluster facts) and builds its content.
 *
 * @throws {JacoError} `validation_failed` for an empty manifest, any manifest code of the
 *   compose feature (`parse_failed`, `unknown_service`, `port_conflict`, …)
 */
export function prepareRevision(
  jacoYaml: Uint8Array,
  composeYaml: Uint8Array,
  defaultAcmeEmail: string,
): PreparedRevision {
  if (jacoYaml.length === 0) throw new JacoError("validation_failed", "jaco_yaml is required");
  if (composeYaml.length === 0) {
    throw new JacoError("validation_failed", "compose_yaml is required");
  }
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const text = (bytes: Uint8Array, field: string) => {
    try {
      return decoder.decode(bytes);
    } catch {
      throw new JacoError("validation_failed", `${field} is not valid UTF-8`, { field });
    }
  };
  const jaco = parseJacoManifest(text(jacoYaml, "jaco_yaml"));
  const compose = parseComposeProject(text(composeYaml, "compose_yaml"), {
    envFileResolved: true,
  });
  checkManifestPair(jaco, compose);
  const tcpRoutes = tcpRoutesOf(jaco.deployment, compose)
    .map((route): TCPRoute => ({ ...route }))
    .sort((a, b) => a.publishedPort - b.publishedPort);
  const routes = jaco.routes.map((route): Route => ({
    domain: route.domain,
    deployment: jaco.deployment,
    service: route.service,
    port: route.port,
    tlsAuto: route.tls === "auto",
    path: route.path,
    stripPath: route.stripPath,
  })).sort(byRouteKey);
  const services = effectiveServices(jaco, compose).map((spec): ServiceSpec => ({
    name: spec.name,
    replicas: spec.replicas,
    placement: placements[spec.placement],
    hosts: spec.hosts,
    networks: spec.networks,
  }));
  return {
    jaco,
    compose,
    content: {
      deployment: jaco.deployment,
      jacoYaml,
      composeYaml,
      services,
      routes,
      tcpRoutes,
      acmeEmail: jaco.acmeEmail || defaultAcmeEmail,
    },
  };
}

/** Orders routes by domain, then path (the route store's key order). */
export function byRouteKey(a: Route, b: Route): number {
  return a.domain < b.domain
    ? -1
    : a.domain > b.domain
    ? 1
    : a.path < b.path
    ? -1
    : a.path > b.path
    ? 1
    : 0;
}
