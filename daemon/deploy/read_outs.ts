/**
 * `Deploy.GetReplicas` and `Deploy.GetRoute` (rpc.md §1.2, cli.md `get replicas|replica|route`):
 * desired + observed replica details with their `depends_on` state, and one domain's realized
 * routing table in ingress evaluation order.
 *
 * Decisions where the spec is silent:
 * - GetReplicas lists desired replicas (an observation without a desired record is an orphan the
 *   node agent is removing; `Deploy.Status` still shows it unfiltered).
 * - `depends_on` edges come from the deployment's stored compose; a stored document that no
 *   longer parses yields no edges.
 * - GetRoute's `total_replicas` counts observed replicas of the upstream (deployment, service);
 *   ready = `running` with `last_health_at` younger than 10 s at the serving node's clock.
 *
 * @module
 */
import { type ComposeProject, dependsOnOf, parseComposeProject } from "../../compose/mod.ts";
import {
  type DependencyState,
  type GetReplicasRequest,
  GetReplicasResponse,
  type GetRouteRequest,
  GetRouteResponse,
  type RealizedRoute,
  ReplicaDetail,
  ReplicaState,
} from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import type { StateView } from "../../state/mod.ts";

/** Health age under which a running replica counts as ready (cli.md `get route`). */
export const readyHealthAgeMs = 10_000;

const stateRank = new Map<ReplicaState, number>([
  [ReplicaState.REPLICA_STATE_RUNNING, 7],
  [ReplicaState.REPLICA_STATE_DEGRADED, 6],
  [ReplicaState.REPLICA_STATE_UPDATING, 5],
  [ReplicaState.REPLICA_STATE_PULLING, 4],
  [ReplicaState.REPLICA_STATE_PENDING, 3],
  [ReplicaState.REPLICA_STATE_STOPPED, 2],
  [ReplicaState.REPLICA_STATE_FAILED, 1],
]);

/** Serves `Deploy.GetReplicas`: sorted by deployment, service, index, id. */
export function getReplicas(view: StateView, request: GetReplicasRequest): GetReplicasResponse {
  const composes = new Map<string, ComposeProject | undefined>();
  const composeOf = (deployment: string) => {
    if (!composes.has(deployment)) composes.set(deployment, storedCompose(view, deployment));
    return composes.get(deployment);
  };
  const replicas = view.replicasDesired({
    deployment: request.deploymentFilter || undefined,
    service: request.serviceFilter || undefined,
  })
    .filter((replica) => !request.replicaId || replica.id === request.replicaId)
    .map((desired) => {
      const observed = view.replicaObserved(desired.id);
      const compose = composeOf(desired.deployment);
      return ReplicaDetail.fromPartial({
        id: desired.id,
        deployment: desired.deployment,
        service: desired.service,
        index: desired.index,
        host: observed?.host || desired.host,
        containerId: observed?.containerId ?? "",
        state: observed?.state ?? ReplicaState.REPLICA_STATE_UNSPECIFIED,
        image: desired.image,
        revision: desired.raftIndex,
        restartCount: view.restartCounter(desired.id)?.consecutiveFailures ?? 0,
        lastAttemptAt: view.restartCounter(desired.id)?.lastAttemptAt,
        startedAt: observed?.startedAt,
        lastHealthAt: observed?.lastHealthAt,
        code: observed?.code ?? "",
        message: observed?.message ?? "",
        details: observed?.details ?? {},
        dependsOn: compose ? dependencies(view, compose, desired.deployment, desired.service) : [],
      });
    })
    .sort((a, b) =>
      compare(a.deployment, b.deployment) || compare(a.service, b.service) ||
      a.index - b.index || compare(a.id, b.id)
    );
  return GetReplicasResponse.fromPartial({ replicas });
}

/**
 * Serves `Deploy.GetRoute`.
 *
 * @throws {JacoError} `validation_failed` for an empty domain, `route_not_found`
 */
export function getRoute(view: StateView, request: GetRouteRequest, now: Date): GetRouteResponse {
  const domain = request.domain.toLowerCase();
  if (domain === "") throw new JacoError("validation_failed", "domain is required");
  const routes = view.routes().filter((route) => route.domain === domain);
  if (routes.length === 0) {
    throw new JacoError("route_not_found", `no routes for domain "${domain}"`, { domain });
  }
  routes.sort((a, b) => {
    if (a.path === "" || b.path === "") return a.path === "" ? (b.path === "" ? 0 : 1) : -1;
    return b.path.length - a.path.length || compare(a.path, b.path);
  });
  const realized = routes.map((route): RealizedRoute => {
    const observed = view.replicasObserved({
      deployment: route.deployment,
      service: route.service,
    });
    const ready = observed.filter((replica) =>
      replica.state === ReplicaState.REPLICA_STATE_RUNNING && replica.lastHealthAt !== undefined &&
      now.getTime() - replica.lastHealthAt.getTime() < readyHealthAgeMs
    ).length;
    return {
      path: route.path,
      catchAll: route.path === "",
      deployment: route.deployment,
      service: route.service,
      port: route.port,
      tlsAuto: route.tlsAuto,
      stripPath: route.stripPath,
      readyReplicas: ready,
      totalReplicas: observed.length,
    };
  });
  return GetRouteResponse.fromPartial({ domain, routes: realized });
}

function dependencies(
  view: StateView,
  compose: ComposeProject,
  deployment: string,
  service: string,
): DependencyState[] {
  const spec = compose.services.get(service);
  if (!spec) return [];
  return dependsOnOf(spec).map((edge) => {
    const state = bestState(view, deployment, edge.service);
    const satisfied = edge.required &&
      (edge.condition === "service_healthy"
        ? state === ReplicaState.REPLICA_STATE_RUNNING
        : state === ReplicaState.REPLICA_STATE_RUNNING ||
          state === ReplicaState.REPLICA_STATE_DEGRADED);
    return {
      service: edge.service,
      condition: edge.required ? edge.condition : "",
      state,
      satisfied,
    };
  });
}

function bestState(view: StateView, deployment: string, service: string): ReplicaState {
  let best: ReplicaState = ReplicaState.REPLICA_STATE_UNSPECIFIED;
  for (const replica of view.replicasObserved({ deployment, service })) {
    if ((stateRank.get(replica.state) ?? 0) > (stateRank.get(best) ?? 0)) best = replica.state;
  }
  return best;
}

function storedCompose(view: StateView, deployment: string): ComposeProject | undefined {
  const record = view.deployment(deployment);
  if (!record) return undefined;
  try {
    return parseComposeProject(new TextDecoder().decode(record.composeYaml), {
      envFileResolved: true,
    });
  } catch {
    return undefined;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
