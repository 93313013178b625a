/**
 * Convergence of an applied revision as `jaco apply` reports it (issue 5: "live progress until
 * the deployment converges or fails with the reason"), judged from one `Deploy.Status` and one
 * `Deploy.GetReplicas` snapshot of the deployment. Pure.
 *
 * Decisions where the spec is silent:
 * - Converged = the deployment still has the applied revision, the scheduler reports it
 *   `active`, every non-global service has at least its desired count of replica records, and
 *   every record is observed `running` (global services: every replica the scheduler placed).
 * - Failed = the deployment vanished or moved to another revision, is `pending` (the scheduler
 *   cannot place it; its reason is shown), or a replica gave up (`failed` with
 *   `restart_exhausted`; its code and message). A `failed` replica the scheduler still restarts
 *   is progress, not failure: it is named in the progress line.
 * - Anything else (incl. `degraded` while replicas start) is in progress; the progress line
 *   lists running/desired per service and the replicas that crashed.
 *
 * @module
 */
import {
  DeploymentStatus,
  type DeployStatusResponse,
  type GetReplicasResponse,
  ReplicaState,
  ServiceSpec_PlacementMode,
} from "../proto/mod.ts";
import { detailsText, reasonText } from "./status_render.ts";

const restartExhausted = "restart_exhausted";

/** One judgement of the rollout. */
export type Progress =
  | { kind: "converged"; line: string }
  | { kind: "failed"; reason: string }
  | { kind: "progressing"; line: string };

/** Judges `revision` of `deployment` from the two snapshots (see module doc). */
export function judgeProgress(
  deployment: string,
  revision: number,
  status: DeployStatusResponse,
  replicas: GetReplicasResponse,
): Progress {
  const record = status.deployments.find((d) => d.name === deployment);
  if (!record) return { kind: "failed", reason: `deployment "${deployment}" was deleted` };
  if (record.appliedRevision !== revision) {
    return {
      kind: "failed",
      reason: `revision ${revision} was replaced by revision ${record.appliedRevision}`,
    };
  }
  if (record.status === DeploymentStatus.DEPLOYMENT_STATUS_PENDING) {
    const why = detailsText(record.statusDetails);
    return { kind: "failed", reason: `deployment is pending${why ? `: ${why}` : ""}` };
  }
  const failed = replicas.replicas.find((r) =>
    r.state === ReplicaState.REPLICA_STATE_FAILED && r.code === restartExhausted
  );
  if (failed) {
    return {
      kind: "failed",
      reason: `replica ${failed.id} failed: ${reasonText(failed) || "no reason given"}`,
    };
  }
  let complete = record.status === DeploymentStatus.DEPLOYMENT_STATUS_ACTIVE;
  const parts: string[] = [];
  let running = 0;
  let desired = 0;
  for (const service of record.services) {
    const mine = replicas.replicas.filter((r) => r.service === service.name);
    const up = mine.filter((r) => r.state === ReplicaState.REPLICA_STATE_RUNNING).length;
    const global = service.placement === ServiceSpec_PlacementMode.PLACEMENT_MODE_GLOBAL;
    const want = global ? mine.length : Math.max(service.replicas, mine.length);
    if (up < want || (global && mine.length === 0)) complete = false;
    running += up;
    desired += want;
    parts.push(`${service.name} ${up}/${global && mine.length === 0 ? "?" : want}`);
  }
  const crashed = replicas.replicas.filter((r) => r.state === ReplicaState.REPLICA_STATE_FAILED)
    .map((r) => `${r.id} failed: ${reasonText(r) || "no reason given"}`);
  const line = [
    `${running}/${desired} replicas running (${parts.join(", ")})`,
    ...crashed,
  ].join("; ");
  return complete ? { kind: "converged", line } : { kind: "progressing", line };
}
