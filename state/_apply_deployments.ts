/**
 * Handlers of deployments and routes: apply with revision history, rollback to retained content,
 * cascade delete, status, and the HTTP route commands.
 *
 * Every committed revision (apply, even of an identical manifest, and rollback) gives the
 * deployment's replicas a fresh restart budget (scheduling.md §11): their restart counters are
 * deleted and `restart_exhausted` observations dropped, so runtimes start them again on the
 * deployment event and the restarter counts from zero.
 *
 * @module
 */
import {
  AuditEventType,
  type Deployment,
  type DeploymentRevision,
  DeploymentStatus,
  type ServiceSpec,
} from "../proto/mod.ts";
import type { ApplyContext } from "./_apply_context.ts";
import { canonicalDeployment, sortedRecord } from "./_canonical.ts";
import type { Handlers } from "./_handlers.ts";
import { removeReplica } from "./_apply_replicas.ts";

/** Observation code the restarter writes when it gives up (scheduling.md §11). */
const restartExhaustedCode = "restart_exhausted";

/** Content of one revision: what apply writes and rollback restores. */
type RevisionContent = Omit<DeploymentRevision, "revision" | "appliedAt">;

/** Deployment and route handlers. */
export const deploymentHandlers: Handlers<
  | "deploymentApply"
  | "deploymentRollback"
  | "deploymentDelete"
  | "deploymentStatusUpdate"
  | "routeUpsert"
  | "routeRemove"
> = {
  deploymentApply(context, apply) {
    if (apply.deployment === "") return { ignored: "empty_deployment" };
    const old = context.stores.deployments.get(apply.deployment);
    const history = old ? retire(context, old, apply.revision) : [];
    commitRevision(context, {
      name: apply.deployment,
      revision: apply.revision,
      previous: old?.appliedRevision ?? 0,
      content: apply,
      history,
    });
    context.audit(AuditEventType.AUDIT_EVENT_TYPE_APPLY, {
      deployment: apply.deployment,
      revision: String(apply.revision),
    });
  },

  deploymentRollback(context, { deployment, revision }) {
    const old = context.stores.deployments.get(deployment);
    if (!old) return { ignored: "unknown_deployment" };
    // Without retained content (a revision older than the retention, or a log written before
    // history existed) only the markers move, as in the reference.
    const target = old.history.find((entry) => entry.revision === revision) ??
      appliedContent(context, old);
    const history = retire(context, old, revision);
    commitRevision(context, {
      name: deployment,
      revision,
      previous: old.appliedRevision,
      content: target,
      history,
    });
    context.audit(AuditEventType.AUDIT_EVENT_TYPE_ROLLBACK, {
      deployment,
      revision: String(revision),
    });
  },

  deploymentDelete(context, { deployment }) {
    const { stores, raftIndex } = context;
    const owned = (value: { deployment: string }) => value.deployment === deployment;
    stores.routes.deleteWhere(owned, raftIndex);
    stores.tcpRoutes.deleteWhere(owned, raftIndex);
    for (const replica of stores.replicasDesired.read().values()) {
      if (owned(replica)) removeReplica(context, replica.id);
    }
    stores.rolloutPlans.deleteWhere(owned, raftIndex);
    stores.subnets.deleteWhere(owned, raftIndex);
    stores.deployments.delete(deployment, raftIndex);
    context.audit(AuditEventType.AUDIT_EVENT_TYPE_DELETE, { deployment });
  },

  deploymentStatusUpdate(context, update) {
    const deployment = context.stores.deployments.get(update.deployment);
    if (!deployment) return { ignored: "unknown_deployment" };
    context.stores.deployments.put({
      ...deployment,
      status: update.status,
      statusDetails: sortedRecord(update.details),
    }, context.raftIndex);
  },

  routeUpsert(context, { route }) {
    if (!route || route.domain === "") return { ignored: "empty_route" };
    context.stores.routes.put(route, context.raftIndex);
  },

  routeRemove(context, { domain }) {
    const removed = context.stores.routes.deleteWhere(
      (route) => route.domain === domain,
      context.raftIndex,
    );
    if (removed === 0) return { ignored: "unknown_domain" };
  },
};

/** The revision `old` currently has applied, with the routes the stores hold for it. */
function appliedContent(context: ApplyContext, old: Deployment): DeploymentRevision {
  const owned = (value: { deployment: string }) => value.deployment === old.name;
  return {
    revision: old.appliedRevision,
    jacoYaml: old.jacoYaml,
    composeYaml: old.composeYaml,
    services: old.services,
    routes: [...context.stores.routes.read().values()].filter(owned),
    tcpRoutes: [...context.stores.tcpRoutes.read().values()].filter(owned),
    acmeEmail: old.acmeEmail,
    // The record has no separate applied-at; updated_at is the latest write of that revision.
    appliedAt: old.updatedAt,
  };
}

/**
 * The history once `old`'s applied revision gives way to `nextRevision`: the applied revision
 * joins the history, the incoming one leaves it (it is applied now), ordered by revision and
 * bounded to the newest `limit` entries.
 */
function retire(
  context: ApplyContext,
  old: Deployment,
  nextRevision: number,
): DeploymentRevision[] {
  const entries = old.history.filter((entry) =>
    entry.revision !== nextRevision && entry.revision !== old.appliedRevision
  );
  if (old.appliedRevision !== 0 && old.appliedRevision !== nextRevision) {
    entries.push(appliedContent(context, old));
  }
  entries.sort((a, b) => a.revision - b.revision);
  const limit = context.revisionHistory;
  return limit > 0 ? entries.slice(-limit) : [];
}

/** Writes the deployment record for `revision` and replace-sets its routes and rollout plans. */
function commitRevision(
  context: ApplyContext,
  options: {
    name: string;
    revision: number;
    previous: number;
    content: RevisionContent;
    history: DeploymentRevision[];
  },
): void {
  const { name, revision, previous, content, history } = options;
  const { stores, raftIndex } = context;
  stores.deployments.put(
    canonicalDeployment({
      name,
      appliedRevision: revision,
      previousRevision: previous,
      status: DeploymentStatus.DEPLOYMENT_STATUS_ACTIVE,
      statusDetails: {},
      jacoYaml: content.jacoYaml,
      composeYaml: content.composeYaml,
      services: content.services,
      updatedAt: context.ts,
      acmeEmail: content.acmeEmail,
      history,
    }),
    raftIndex,
  );
  replaceSet(context, name, content);
  resetRestarts(context, name);
}

/** Fresh restart budget for the deployment's replicas (see module doc). */
function resetRestarts(context: ApplyContext, deployment: string): void {
  const { stores, raftIndex } = context;
  for (const replica of stores.replicasDesired.read().values()) {
    if (replica.deployment !== deployment) continue;
    stores.restartCounters.delete(replica.id, raftIndex, { deployment });
    if (stores.replicasObserved.get(replica.id)?.code === restartExhaustedCode) {
      stores.replicasObserved.delete(replica.id, raftIndex, { deployment });
    }
  }
}

/**
 * Replace-set (architecture.md §5.3): routes and TCP routes of the deployment not in the new
 * revision are removed, the rest upserted (owned by the deployment whatever the payload says);
 * rollout plans of services absent from the revision are pruned.
 */
function replaceSet(context: ApplyContext, name: string, content: RevisionContent): void {
  const { stores, raftIndex } = context;
  const routes = content.routes.map((route) => ({ ...route, deployment: name }));
  const routeKeys = new Set(routes.map(stores.routes.keyOf));
  stores.routes.deleteWhere(
    (route) => route.deployment === name && !routeKeys.has(stores.routes.keyOf(route)),
    raftIndex,
  );
  for (const route of routes) stores.routes.put(route, raftIndex);

  const tcpRoutes = content.tcpRoutes.map((route) => ({ ...route, deployment: name }));
  const tcpKeys = new Set(tcpRoutes.map(stores.tcpRoutes.keyOf));
  stores.tcpRoutes.deleteWhere(
    (route) => route.deployment === name && !tcpKeys.has(stores.tcpRoutes.keyOf(route)),
    raftIndex,
  );
  for (const route of tcpRoutes) stores.tcpRoutes.put(route, raftIndex);

  const services = new Set(content.services.map((service: ServiceSpec) => service.name));
  stores.rolloutPlans.deleteWhere(
    (plan) => plan.deployment === name && !services.has(plan.service),
    raftIndex,
  );
}
