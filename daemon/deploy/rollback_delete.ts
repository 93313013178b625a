/**
 * `Deploy.Rollback` and `Deploy.Delete` (cli.md `jaco rollback` / `jaco delete`, rpc.md §1.2).
 * Both check the contacted member's state, then commit one command through the submitter; the
 * FSM restores the target revision's services, routes and TCP routes from the deployment's
 * history, or cascades the delete (routes, TCP routes, desired replicas, plans, subnets).
 *
 * Decisions where the spec is silent or the reference differs:
 * - `Rollback{revision: 0}` returns to `previous_revision`; `revision: N` (gap fix, `--revision`)
 *   must be a revision the state still holds (history keeps the last 10): otherwise
 *   `validation_failed` naming the retained revisions. Rolling back to the applied revision is
 *   `validation_failed` too (nothing would change).
 * - Delete of an unknown deployment is `deployment_not_found` (the reference succeeded).
 * - Delete keeps named volumes: the desired records vanish and node agents remove the
 *   containers, but data volumes stay on the hosts until removed by hand (a volume-removal flag
 *   would need a field in `DeploymentDelete`, which the command set does not have yet).
 *
 * @module
 */
import {
  type DeleteRequest,
  DeleteResponse,
  type RollbackRequest,
  RollbackResponse,
} from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import type { StateView } from "../../state/mod.ts";
import type { Caller, DeployDeps } from "./deps.ts";

/**
 * Serves `Deploy.Rollback`.
 *
 * @throws {JacoError} `validation_failed`, `deployment_not_found`, `no_previous_revision`, the
 *   submitter's errors
 */
export async function rollbackDeployment(
  request: RollbackRequest,
  caller: Caller,
  deps: Pick<DeployDeps, "view" | "submit">,
): Promise<RollbackResponse> {
  const name = request.deployment;
  const view = deps.view();
  const deployment = requireDeployment(view, name);
  let revision = Number(request.revision);
  if (revision === 0) {
    if (deployment.previousRevision === 0) {
      throw new JacoError(
        "no_previous_revision",
        `deployment "${name}" has no previous revision to roll back to`,
        { deployment: name, applied_revision: String(deployment.appliedRevision) },
      );
    }
    revision = deployment.previousRevision;
  } else if (revision === deployment.appliedRevision) {
    throw new JacoError(
      "validation_failed",
      `deployment "${name}" already runs revision ${revision}`,
      { deployment: name, field: "revision", value: String(revision) },
    );
  } else if (!view.deploymentRevision(name, revision)) {
    const kept = deployment.history.map((entry) => entry.revision).join(", ");
    throw new JacoError(
      "validation_failed",
      `deployment "${name}" has no retained revision ${revision} (retained: [${kept}])`,
      { deployment: name, field: "revision", value: String(revision) },
    );
  }
  await deps.submit(
    { $case: "deploymentRollback", value: { deployment: name, revision } },
    caller.identity,
  );
  return RollbackResponse.fromPartial({ revision });
}

/**
 * Serves `Deploy.Delete`.
 *
 * @throws {JacoError} `validation_failed` (empty name), `deployment_not_found`, the submitter's
 *   errors
 */
export async function deleteDeployment(
  request: DeleteRequest,
  caller: Caller,
  deps: Pick<DeployDeps, "view" | "submit">,
): Promise<DeleteResponse> {
  const name = request.deployment;
  requireDeployment(deps.view(), name);
  await deps.submit({ $case: "deploymentDelete", value: { deployment: name } }, caller.identity);
  return DeleteResponse.fromPartial({});
}

function requireDeployment(view: StateView, name: string) {
  if (name === "") throw new JacoError("validation_failed", "deployment is required");
  const deployment = view.deployment(name);
  if (!deployment) {
    throw new JacoError("deployment_not_found", `deployment "${name}" not found`, {
      deployment: name,
    });
  }
  return deployment;
}
