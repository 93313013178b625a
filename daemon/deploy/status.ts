/**
 * `Deploy.Status` (rpc.md §1.2, cli.md `jaco status` / `get deployments|routes`): a snapshot of
 * deployments, observed replicas, routes, TCP routes and certificates from this member's state.
 *
 * Decisions where the spec is silent or the reference differs:
 * - Every list is sorted (deployments by name, replicas by id, routes by domain then path, TCP
 *   routes by port, certs by domain); the reference's order was random.
 * - Deployment records are returned without their revision history (it can hold ten copies of
 *   both manifests; no client reads it from here).
 * - Status and details are reported as stored: the FSM sets `active` at apply, the scheduler
 *   keeps them following the real state (`pending` / `degraded` with a `reason`,
 *   `replicas: <running>/<desired> running`).
 * - The service filter without a deployment filter selects that service name in every
 *   deployment.
 *
 * @module
 */
import {
  type Deployment,
  type DeployStatusRequest,
  DeployStatusResponse,
} from "../../proto/mod.ts";
import type { StateView } from "../../state/mod.ts";
import { certStates } from "./cert_state.ts";
import { byRouteKey } from "./revision_content.ts";

/**
 * Serves `Deploy.Status` from `view`.
 *
 * @example
 * ```ts
 * deployStatus(state.view(), { deploymentFilter: "shop", serviceFilter: "" }).deployments;
 * ```
 */
export function deployStatus(view: StateView, request: DeployStatusRequest): DeployStatusResponse {
  const deployment = request.deploymentFilter;
  const service = request.serviceFilter;
  const deployments = view.deployments()
    .filter((entry) => !deployment || entry.name === deployment)
    .sort((a, b) => compare(a.name, b.name))
    .map((entry): Deployment => ({ ...entry, history: [] }));
  const desired = new Map(view.replicasDesired().map((replica) => [replica.id, replica]));
  const replicas = view.replicasObserved({ deployment, service })
    .map((observed) => ({
      ...observed,
      host: observed.host || desired.get(observed.id)?.host || "",
    }))
    .sort((a, b) => compare(a.id, b.id));
  const inScope = (route: { deployment: string; service: string }) =>
    (!deployment || route.deployment === deployment) && (!service || route.service === service);
  const routes = view.routes().filter(inScope).sort(byRouteKey);
  const tcpRoutes = view.tcpRoutes().filter(inScope)
    .sort((a, b) => a.publishedPort - b.publishedPort);
  return DeployStatusResponse.fromPartial({
    deployments,
    replicas,
    routes,
    tcpRoutes,
    certs: certStates(view, routes),
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
