/**
 * What the DNS and published-port loops route by, besides the state view: the hosts known live
 * (raft leader only) and the replicas a `remove_from_routing` command took out — and the events
 * that make them rebuild (networking.md §6.2 "rebuilt on every ReplicaObserved event").
 *
 * Decisions where the spec is silent:
 * - A replica leaves routing on its `remove_from_routing` command and comes back with its next
 *   observation (the restart that follows writes one), or when its desired record goes.
 * - Liveness: on the leader, a member not heard from for 5 s is dead (the scheduler's rule);
 *   followers have no liveness signal and rely on the scheduler re-pointing a dead host's
 *   replicas (~5 s), which removes them at once (observation host ≠ placed host).
 * - Observation rewrites that only refresh `last_health_at` are ignored.
 *
 * @module
 */
import type { AnswerOptions } from "../../net/mod.ts";
import { ReplicaCommandOp } from "../../proto/mod.ts";
import { Role } from "../../raft/mod.ts";
import type { StoreName } from "../../state/mod.ts";
import type { MemberContext } from "../node/member_loops.ts";

/** Timing of the liveness check. */
export interface RoutingInputOptions {
  /** Liveness check interval (default 500 ms). */
  livenessTickMs?: number;
  /** Silence after which the leader deems a member dead (default 5 s). */
  deadAfterMs?: number;
}

/** Live routing inputs; `changed` fires on every relevant event. */
export interface RoutingInputs {
  /** The current {@link AnswerOptions}. */
  options(): AnswerOptions;
  /** Unsubscribes. */
  stop(): Promise<void>;
}

const stores: StoreName[] = [
  "nodes",
  "deployments",
  "replicas_desired",
  "tcp_routes",
  "subnets",
];

/** Watches the state and raft; calls `changed` when routing may differ. */
export function watchRoutingInputs(
  context: Pick<MemberContext, "nodeName" | "state" | "raft" | "signal">,
  changed: () => void,
  options: RoutingInputOptions = {},
): RoutingInputs {
  const stop = new AbortController();
  const signal = AbortSignal.any([context.signal, stop.signal]);
  const removed = new Set<string>();
  let live: Set<string> | undefined;
  let liveKey = "";

  const readLiveness = (): void => {
    const status = context.raft.status();
    const contacts = status.role === Role.leader ? status.lastContactMs : undefined;
    if (!contacts) {
      live = undefined;
    } else {
      live = new Set([context.nodeName]);
      for (const [host, ms] of Object.entries(contacts)) {
        if (ms < (options.deadAfterMs ?? 5000)) live.add(host);
      }
    }
    const key = live ? [...live].sort().join(",") : "*";
    if (key !== liveKey) {
      liveKey = key;
      changed();
    }
  };

  const plain = stores.map((store) => context.state.subscribe(store, { signal }));
  const observed = context.state.subscribe("replicas_observed", { signal });
  const commands = context.state.subscribe("replica_commands", { signal });
  const desired = context.state.subscribe("replicas_desired", { signal });
  const consumers = [
    ...plain.map(async (subscription) => {
      for await (const _event of subscription) changed();
    }),
    (async () => {
      for await (const event of observed) {
        if (event.freshnessOnly) continue;
        const id = event.after?.id ?? event.before?.id;
        if (id !== undefined) removed.delete(id);
        changed();
      }
    })(),
    (async () => {
      for await (const event of commands) {
        const command = event.after;
        if (command?.op !== ReplicaCommandOp.remove_from_routing) continue;
        removed.add(command.replicaId);
        changed();
      }
    })(),
    (async () => {
      for await (const event of desired) {
        if (event.before && !event.after) removed.delete(event.before.id);
      }
    })(),
  ];
  readLiveness();
  const tick = setInterval(readLiveness, options.livenessTickMs ?? 500);

  return {
    options: () => ({
      self: context.nodeName,
      ...(live ? { liveHosts: live } : {}),
      removedFromRouting: removed,
    }),
    async stop() {
      stop.abort();
      clearInterval(tick);
      for (const subscription of [...plain, observed, commands, desired]) subscription.close();
      await Promise.allSettled(consumers);
    },
  };
}
