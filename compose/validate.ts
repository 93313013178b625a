/**
 * What `jaco validate` runs (cli.md §"jaco validate"): jaco.yaml intrinsic
 * validation, then compose validation, then — when both are given — the
 * cross-file checks. No interpolation and no cluster facts.
 *
 * @module
 */

import { JacoError } from "../proto/errors.ts";
import { parseComposeProject } from "./compose_project.ts";
import { checkManifestPair } from "./cross_check.ts";
import { parseJacoManifest } from "./jaco_manifest.ts";
import { tcpRoutesOf } from "./ports.ts";
import { manifestWarnings } from "./warnings.ts";

/** The texts to validate; at least one. */
export interface ValidateInput {
  jaco?: string;
  compose?: string;
  /** Treat `compose` as the daemon-side resolved form (`env_file` must be gone). */
  envFileResolved?: boolean;
}

/** Summary of a successful validation (what `jaco validate` prints). */
export interface ValidationReport {
  /** Deployment name, when jaco.yaml was given. */
  deployment?: string;
  /** Compose service names (sorted) when compose was given, else the jaco.yaml override names. */
  services: string[];
  /** Number of jaco.yaml routes. */
  routes: number;
  /** Number of cluster-wide TCP listeners the compose ports publish. */
  tcpRoutes: number;
  /** Declared compose networks (sorted). */
  networks: string[];
  /** Declared compose volumes (sorted). */
  volumes: string[];
  /** Whether the cross-file checks ran (both texts given). */
  crossChecked: boolean;
  /** Advisory notes: accepted fields JACO ignores, run-time surprises (never fatal). */
  warnings: string[];
}

/**
 * Validates a jaco.yaml and/or compose text locally, stopping at the first
 * failure. Also rejects two services publishing the same host port (not
 * cluster-dependent).
 *
 * @throws {JacoError} the first failure; `validation_failed` when neither
 * text is given.
 * @example
 * ```ts
 * const report = validateManifests({ jaco: jacoText, compose: composeText });
 * console.log(report.deployment, report.services.length);
 * ```
 */
export function validateManifests(input: ValidateInput): ValidationReport {
  if (input.jaco === undefined && input.compose === undefined) {
    throw new JacoError("validation_failed", "at least one of --jaco or --compose is required");
  }
  const jaco = input.jaco === undefined ? undefined : parseJacoManifest(input.jaco);
  const compose = input.compose === undefined
    ? undefined
    : parseComposeProject(input.compose, { envFileResolved: input.envFileResolved });
  if (jaco && compose) checkManifestPair(jaco, compose);
  const tcpRoutes = compose ? tcpRoutesOf(jaco?.deployment ?? "", compose) : [];
  return {
    deployment: jaco?.deployment,
    services: compose ? [...compose.serviceNames] : (jaco?.services.map((s) => s.name) ?? []),
    routes: jaco?.routes.length ?? 0,
    tcpRoutes: tcpRoutes.length,
    networks: compose ? [...compose.networks.keys()].sort() : [],
    volumes: compose ? [...compose.volumes.keys()].sort() : [],
    crossChecked: jaco !== undefined && compose !== undefined,
    warnings: manifestWarnings(jaco, compose),
  };
}
