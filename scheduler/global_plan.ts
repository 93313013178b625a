/**
 * The diff of one `global` service: one replica per eligible host, id
 * `<deployment>-<service>-<sanitized hostname>` (index still from the `ReplicaCounter`, never
 * reused). Replicas on hosts that are no longer eligible (dead, draining, not ready) are dropped:
 * every other eligible host already runs one.
 *
 * Rolling updates cannot be start-first here (the id is bound to the host), so they go in place,
 * one host at a time: the record gets the new image/spec (new raft index → the runtime
 * recreates) and its observation is set to `updating` in the same batch, so the step counts as
 * done only once the runtime reports the new container `running`. The next step starts when
 * every current-generation replica on a live host runs; the usual plan timeout applies.
 *
 * @module
 */
import {
  type Deployment,
  type ReplicaDesired,
  ReplicaState,
  type ServiceSpec,
} from "../proto/mod.ts";
import type { Pass } from "./_pass.ts";
import { sanitizeHostname } from "./placement.ts";
import { decideRoll } from "./rollout.ts";
import type { Generation } from "./service_plan.ts";

/** Plans one global service (never blocked: zero eligible hosts = zero replicas). */
export function planGlobalService(
  pass: Pass,
  deployment: Deployment,
  spec: ServiceSpec,
  generation: Generation,
): undefined {
  const current = (replica: ReplicaDesired) =>
    replica.image === generation.image && replica.specHash === generation.specHash;
  const kept = new Map<string, ReplicaDesired>();
  for (const replica of pass.serviceReplicas(deployment.name, spec.name)) {
    if (!pass.cluster.isEligible(replica.host) || kept.has(replica.host)) pass.remove(replica);
    else kept.set(replica.host, replica);
  }
  let created = 0;
  for (const host of pass.cluster.eligible) {
    if (kept.has(host)) continue;
    const index = pass.allocateIndex(deployment, spec.name);
    const id = `${deployment.name}-${spec.name}-${sanitizeHostname(host)}`;
    pass.upsert({
      id,
      deployment: deployment.name,
      service: spec.name,
      index,
      host,
      ...generation,
    });
    created++;
  }
  const old = [...kept.values()].filter((replica) => !current(replica))
    .sort((a, b) => a.host < b.host ? -1 : 1);
  const roll = decideRoll(pass, deployment, spec.name, old.length);
  const settled = [...kept.values()].every((replica) =>
    !current(replica) || pass.isRunning(replica)
  );
  if (!roll.allowed || old.length === 0 || created > 0 || !settled) return undefined;
  const next = old[0];
  pass.upsert({ ...next, ...generation });
  const observed = pass.observed.get(next.id);
  pass.add({
    $case: "replicaObservedUpdate",
    value: {
      replica: {
        id: next.id,
        state: ReplicaState.REPLICA_STATE_UPDATING,
        code: "rollout",
        message: `being replaced by revision ${deployment.appliedRevision}`,
        details: {},
        containerId: observed?.containerId ?? "",
        host: next.host,
        startedAt: observed?.startedAt,
        lastHealthAt: observed?.lastHealthAt,
      },
    },
  });
  return undefined;
}
