/**
 * Handlers of desired/observed replicas, the replica command ledger, rollout plans and counters.
 *
 * @module
 */
import { type ReplicaObserved, RestartCounterUpdate_Action } from "../proto/mod.ts";
import type { ApplyContext } from "./_apply_context.ts";
import { canonicalObserved } from "./_canonical.ts";
import type { Handlers } from "./_handlers.ts";
import { compositeKey } from "./keys.ts";
import { WatchEventKind } from "./watch_event.ts";

/**
 * Cascade of a desired replica's retirement: observation and restart counter first (their events
 * still resolve the replica's deployment through the desired record), then the desired record.
 */
export function removeReplica(context: ApplyContext, replicaId: string): boolean {
  const { stores, raftIndex } = context;
  const deployment = stores.deploymentOfReplica(replicaId);
  stores.replicasObserved.delete(replicaId, raftIndex, { deployment });
  stores.restartCounters.delete(replicaId, raftIndex, { deployment });
  return stores.replicasDesired.delete(replicaId, raftIndex);
}

/** Replica, rollout and counter handlers. */
export const replicaHandlers: Handlers<
  | "replicaDesiredUpsert"
  | "replicaDesiredRemove"
  | "replicaObservedUpdate"
  | "replicaCommandIssue"
  | "rolloutPlanUpdate"
  | "replicaCounterIncrement"
  | "restartCounterUpdate"
> = {
  replicaDesiredUpsert(context, { replica }) {
    if (!replica || replica.id === "") return { ignored: "empty_replica" };
    context.stores.replicasDesired.put(
      { ...replica, raftIndex: context.raftIndex },
      context.raftIndex,
    );
  },

  replicaDesiredRemove(context, { id }) {
    if (!removeReplica(context, id)) return { ignored: "unknown_replica" };
  },

  replicaObservedUpdate(context, { replica }) {
    if (!replica || replica.id === "") return { ignored: "empty_replica" };
    const next = canonicalObserved(replica);
    const before = context.stores.replicasObserved.get(replica.id);
    const freshnessOnly = before !== undefined && onlyFreshnessChanged(before, next);
    context.stores.replicasObserved.put(next, context.raftIndex, { freshnessOnly });
  },

  replicaCommandIssue(context, command) {
    if (command.replicaId === "" || command.op === "") return { ignored: "empty_replica_command" };
    // Not stored: the ledger is the broker (with its resume history); the raft index lets agents
    // run each command at most once.
    context.stores.brokers.replica_commands.publish({
      kind: WatchEventKind.ADDED,
      after: { replicaId: command.replicaId, op: command.op },
      raftIndex: context.raftIndex,
      revision: context.raftIndex,
      deployment: context.stores.deploymentOfReplica(command.replicaId),
    });
  },

  rolloutPlanUpdate(context, { plan }) {
    if (!plan || plan.deployment === "" || plan.service === "") return { ignored: "empty_plan" };
    context.stores.rolloutPlans.put(plan, context.raftIndex);
  },

  replicaCounterIncrement(context, { deployment, service }) {
    const counters = context.stores.replicaCounters;
    const old = counters.get(compositeKey(deployment, service));
    counters.put({ deployment, service, nextIndex: (old?.nextIndex ?? 0) + 1 }, context.raftIndex);
  },

  restartCounterUpdate(context, { replicaId, action }) {
    const counters = context.stores.restartCounters;
    switch (action) {
      case RestartCounterUpdate_Action.ACTION_INCREMENT: {
        const old = counters.get(replicaId);
        counters.put({
          replicaId,
          consecutiveFailures: (old?.consecutiveFailures ?? 0) + 1,
          lastAttemptAt: context.ts,
        }, context.raftIndex);
        return;
      }
      case RestartCounterUpdate_Action.ACTION_RESET:
        if (!counters.delete(replicaId, context.raftIndex)) return { ignored: "unknown_counter" };
        return;
      default:
        return { ignored: "unspecified_action" };
    }
  },
};

/** True when two observations differ at most in `last_health_at` (a freshness heartbeat). */
function onlyFreshnessChanged(before: ReplicaObserved, after: ReplicaObserved): boolean {
  if (
    before.state !== after.state || before.code !== after.code ||
    before.message !== after.message || before.containerId !== after.containerId ||
    before.host !== after.host || before.startedAt?.getTime() !== after.startedAt?.getTime()
  ) return false;
  const beforeKeys = Object.keys(before.details);
  const afterKeys = Object.keys(after.details);
  return beforeKeys.length === afterKeys.length &&
    afterKeys.every((key) => before.details[key] === after.details[key]);
}
