/**
 * The `depends_on` gate of a replica start (scheduling.md §9, manifests.md §2.8): evaluated
 * cluster-wide from the replicated observations, per required dependency; the first unmet one
 * blocks. Pure over a state view.
 *
 * Decision where the spec is silent: dependencies are checked in the order `dependsOnOf` gives
 * (sorted by service name), so the reported blocker is deterministic.
 *
 * @module
 */
import type { DependsOnEntry } from "../../compose/mod.ts";
import { ReplicaState } from "../../proto/mod.ts";
import type { StateView } from "../../state/mod.ts";

/** The dependency that blocks a start. */
export interface UnmetDependency {
  /** Dependency service. */
  service: string;
  /** Its condition (`service_started` or `service_healthy`). */
  condition: string;
}

const startedStates: ReadonlySet<number> = new Set([
  ReplicaState.REPLICA_STATE_RUNNING,
  ReplicaState.REPLICA_STATE_DEGRADED,
]);

/**
 * The first required dependency of a service of `deployment` that no desired replica anywhere
 * satisfies; `undefined` when the start may proceed.
 */
export function unmetDependency(
  view: StateView,
  deployment: string,
  dependencies: readonly DependsOnEntry[],
): UnmetDependency | undefined {
  for (const dependency of dependencies) {
    if (!dependency.required) continue;
    const satisfied = view.replicasDesired({ deployment, service: dependency.service }).some(
      (replica) => {
        const state = view.replicaObserved(replica.id)?.state;
        if (state === undefined) return false;
        return dependency.condition === "service_healthy"
          ? state === ReplicaState.REPLICA_STATE_RUNNING
          : startedStates.has(state);
      },
    );
    if (!satisfied) return { service: dependency.service, condition: dependency.condition };
  }
  return undefined;
}

/** True when an observation in `state` may satisfy some dependency (wakes deferred starts). */
export function wakesDependents(state: number): boolean {
  return state === ReplicaState.REPLICA_STATE_PULLING || startedStates.has(state);
}
