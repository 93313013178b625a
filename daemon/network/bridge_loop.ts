/**
 * Bridge teardown on every node (networking.md §3, a known gap of the reference): removes this
 * host's JACO bridge networks whose (deployment, network) no longer holds a /24 for this host in
 * replicated state — after a deployment delete, a network dropped from a deployment, subnet GC
 * (`ipam_loop.ts`) or a re-formed cluster.
 *
 * Decisions where the spec is silent:
 * - Only networks created by net/'s bridges (label `jaco.subnet`) of this cluster and this host
 *   are candidates; a network with containers still attached is kept and retried (the runtime
 *   removes the replicas' containers first), so teardown never disrupts a container.
 * - Triggers: subnet and desired-replica events (500 ms debounce) and a 10 s tick (containers
 *   stopping after a delete free the network a few seconds later). Docker unreachable is logged
 *   once per outage at WARN.
 *
 * @module
 */
import { type BridgeDriver, DockerBridges, networksToRemove } from "../../net/mod.ts";
import type { StoreName } from "../../state/mod.ts";
import { dockerSocketPath } from "../agent/mod.ts";
import type { MemberContext, MemberLoop } from "../node/member_loops.ts";
import { CoalescedPass } from "../node/coalesced_pass.ts";

/** Timing and driver of the loop. */
export interface BridgeLoopOptions {
  /** Docker bridges (default: the local engine). */
  bridges?: Pick<BridgeDriver, "list" | "remove">;
  /** Safety tick (default 10 s). */
  tickMs?: number;
  /** Debounce of state events (default 500 ms). */
  debounceMs?: number;
}

const watched: StoreName[] = ["subnets", "replicas_desired"];

/** Starts the teardown loop of this node (member loop factory). */
export function startBridgeLoop(
  context: Pick<MemberContext, "nodeName" | "state" | "log" | "signal">,
  options: BridgeLoopOptions = {},
): MemberLoop {
  const bridges = options.bridges ?? new DockerBridges(dockerSocketPath(), context.log);
  const stop = new AbortController();
  const signal = AbortSignal.any([context.signal, stop.signal]);
  let dockerDown = false;

  const pass = async (): Promise<void> => {
    const view = context.state.view();
    const clusterId = view.clusterMeta()?.clusterId;
    if (!clusterId) return;
    let listed;
    try {
      listed = await bridges.list();
      dockerDown = false;
    } catch (error) {
      if (!dockerDown) {
        context.log.warn("bridge teardown: docker unreachable", {
          error: (error as Error).message,
        });
      }
      dockerDown = true;
      return;
    }
    const held = new Set(
      view.subnets({ host: context.nodeName }).map((s) => `${s.deployment}\u0000${s.network}`),
    );
    for (const network of networksToRemove(listed, clusterId, context.nodeName, held)) {
      if (signal.aborted) return;
      if (await bridges.remove(network.Id)) {
        context.log.info("bridge removed", {
          network: network.Name,
          subnet: network.Labels?.["jaco.subnet"] ?? "",
        });
      }
    }
  };

  const runner = new CoalescedPass({
    pass,
    debounceMs: options.debounceMs ?? 500,
    signal,
    onError: (error) =>
      context.log.warn("bridge teardown failed", { error: (error as Error).message }),
  });
  const trigger = (): void => runner.trigger();
  const schedule = (): void => runner.schedule();

  const subscriptions = watched.map((store) => context.state.subscribe(store, { signal }));
  const consumers = subscriptions.map(async (subscription) => {
    for await (const _event of subscription) schedule();
  });
  const tick = setInterval(trigger, options.tickMs ?? 10_000);
  trigger();

  return {
    async stop() {
      stop.abort();
      clearInterval(tick);
      for (const subscription of subscriptions) subscription.close();
      await Promise.allSettled(consumers);
      await runner.stop();
    },
  };
}
