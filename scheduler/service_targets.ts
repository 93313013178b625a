/**
 * What each service of a deployment's applied revision should run: image and spec hash, from
 * the stored (CLI-resolved) compose document. Parsing and hashing are memoised per deployment
 * content (bounded), so a pass over an unchanged cluster does no YAML work; the memo never
 * changes a result, so planning stays a pure function of its input.
 *
 * @module
 */
import { parseComposeProject, specHash } from "../compose/mod.ts";
import type { Deployment } from "../proto/mod.ts";
import { fnv1a32 } from "./placement.ts";

/** Image and spec hash of one service, or why it cannot be scheduled. */
export type ServiceTarget = { image: string; specHash: string } | { reason: string };

/** Targets of one deployment: per service, or one reason for the whole deployment. */
export type DeploymentTargets = Map<string, ServiceTarget> | { reason: string };

const memo = new Map<string, DeploymentTargets>();
const memoLimit = 256;
const decoder = new TextDecoder();

/** The targets of `deployment`'s applied revision (see module doc). */
export function deploymentTargets(deployment: Deployment): DeploymentTargets {
  const text = decoder.decode(deployment.composeYaml);
  const services = deployment.services.map((service) => service.name).join(",");
  const key = `${deployment.name}\u0000${fnv1a32(text)}\u0000${text.length}\u0000${services}`;
  const known = memo.get(key);
  if (known) return known;
  const targets = computeTargets(text, deployment);
  if (memo.size >= memoLimit) memo.delete(memo.keys().next().value!);
  memo.set(key, targets);
  return targets;
}

function computeTargets(text: string, deployment: Deployment): DeploymentTargets {
  let project;
  try {
    project = parseComposeProject(text, { envFileResolved: true });
  } catch (error) {
    return { reason: `compose parse failed: ${(error as Error).message}` };
  }
  const targets = new Map<string, ServiceTarget>();
  for (const { name } of deployment.services) {
    const service = project.services.get(name);
    if (!service) {
      targets.set(name, { reason: `service "${name}" not found in compose project` });
      continue;
    }
    if (typeof service.image !== "string" || service.image === "") {
      targets.set(name, { reason: `service "${name}" has no image` });
      continue;
    }
    try {
      targets.set(name, { image: service.image, specHash: specHash(project, name) });
    } catch (error) {
      targets.set(name, {
        reason: `service "${name}" spec hash failed: ${(error as Error).message}`,
      });
    }
  }
  return targets;
}
