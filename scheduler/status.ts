/**
 * Deployment status from the real state (scheduling.md §3.2 contract, errors.md §6 + DEGRADED):
 * - `pending` — placement (or parsing) is blocked; `reason` joins the services' reasons;
 * - `degraded` — placed, but a rollout aborted, or some service runs fewer replicas than it
 *   wants (starting, failing, `restart_exhausted`); `reason` says which;
 * - `active` — every service runs all the replicas it wants.
 * `status_details.replicas` = `<running>/<desired records> running` whenever not every record
 * runs. A status is written only when it differs from the stored one.
 *
 * @module
 */
import { type Deployment, DeploymentStatus } from "../proto/mod.ts";
import type { Pass } from "./_pass.ts";
import { restartExhaustedCode } from "./types.ts";

/** What the pass learnt about one deployment. */
export interface DeploymentFindings {
  /** Blocking reasons (→ pending). */
  blocked: string[];
  /** A rollout problem (→ degraded). */
  rollout?: string;
  /** Services that want more running replicas than they have: `service "x": r of n running`. */
  short: string[];
}

/** Queues a status update for `deployment` when the computed one differs from the stored one. */
export function updateStatus(pass: Pass, deployment: Deployment, findings: DeploymentFindings) {
  const records = [...(pass.replicas.get(deployment.name)?.values() ?? [])].flat();
  const running = records.filter((replica) => pass.isRunning(replica)).length;
  const exhausted = records
    .filter((replica) => pass.observed.get(replica.id)?.code === restartExhaustedCode)
    .map((replica) => replica.id);
  const reasons: string[] = [];
  let status: DeploymentStatus = DeploymentStatus.DEPLOYMENT_STATUS_ACTIVE;
  if (findings.blocked.length > 0) {
    status = DeploymentStatus.DEPLOYMENT_STATUS_PENDING;
    reasons.push(...findings.blocked);
  } else if (findings.rollout || findings.short.length > 0 || exhausted.length > 0) {
    status = DeploymentStatus.DEPLOYMENT_STATUS_DEGRADED;
    if (findings.rollout) reasons.push(findings.rollout);
    reasons.push(...findings.short);
    if (exhausted.length > 0) reasons.push(`restart_exhausted: ${exhausted.join(", ")}`);
  }
  const details: Record<string, string> = {};
  if (reasons.length > 0) details.reason = reasons.join("; ");
  if (running < records.length) details.replicas = `${running}/${records.length} running`;
  if (status === deployment.status && sameRecord(details, deployment.statusDetails)) return;
  pass.add({
    $case: "deploymentStatusUpdate",
    value: { deployment: deployment.name, status, details },
  });
}

/** `service "x": r of n running` when the service runs fewer than `wanted` replicas. */
export function shortfall(pass: Pass, deployment: string, service: string, wanted: number) {
  const running = pass.serviceReplicas(deployment, service)
    .filter((replica) => pass.isRunning(replica)).length;
  return running < wanted ? `service "${service}": ${running} of ${wanted} running` : undefined;
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
