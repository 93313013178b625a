/**
 * The leader's subnet GC (networking.md §2.3 plus a known gap of the reference): frees the /24
 * of a (deployment, network, host) that no desired replica uses any more — a network dropped
 * from a deployment, or a host that no longer runs a replica of that scope — with
 * `SubnetFree{deployment, network, host}` (identity `scheduler`). Deployment delete and node
 * remove free their subnets in the FSM itself.
 *
 * Decisions where the spec is silent:
 * - A subnet is freed only after it stayed unused for `graceMs` (default 30 s, see
 *   `net/ipam.ts`): a replica being re-placed keeps its host's /24 between scheduler passes,
 *   and the host's containers of the scope have time to stop before its octet can be reused.
 * - Legacy records with an empty host (the leader boot migration of §2.3) are freed only when
 *   no per-host record of the same (deployment, network) exists: `SubnetFree` with an empty host
 *   matches every host of the scope and would free live /24s too.
 * - Triggers: state changes of subnets, deployments and desired replicas (200 ms debounce) and a
 *   10 s tick (the grace clock). Leader only; the grace clocks restart on a new leader.
 *
 * @module
 */
import { Role } from "../../raft/mod.ts";
import { dueForFree, scopesInUse, unusedSubnets } from "../../net/mod.ts";
import type { StoreName } from "../../state/mod.ts";
import type { MemberContext, MemberLoop } from "../node/member_loops.ts";
import { allocatorIdentity } from "./ensure_subnet.ts";
import { CoalescedPass } from "../node/coalesced_pass.ts";

/** Timing of the loop. */
export interface IpamLoopOptions {
  /** Unused this long before freed (default 30 s). */
  graceMs?: number;
  /** Safety tick (default 10 s). */
  tickMs?: number;
  /** Debounce of state events (default 200 ms). */
  debounceMs?: number;
}

/** What the loop uses of the member. */
export type IpamLoopContext =
  & Pick<MemberContext, "state" | "submit" | "log" | "now" | "signal">
  & { raft: { status(): { role: string } } };

const watched: StoreName[] = ["subnets", "deployments", "replicas_desired"];

/** Starts the GC loop (member loop factory). */
export function startIpamLoop(context: IpamLoopContext, options: IpamLoopOptions = {}): MemberLoop {
  const graceMs = options.graceMs ?? 30_000;
  const stop = new AbortController();
  const signal = AbortSignal.any([context.signal, stop.signal]);
  const firstUnused = new Map<string, number>();

  const pass = async (): Promise<void> => {
    if (context.raft.status().role !== Role.leader) {
      firstUnused.clear();
      return;
    }
    const view = context.state.view();
    const subnets = view.subnets();
    const inUse = scopesInUse(view.deployments(), view.replicasDesired());
    const perHost = new Set(
      subnets.filter((s) => s.host !== "").map((s) => `${s.deployment}\u0000${s.network}`),
    );
    const unused = unusedSubnets(subnets, inUse)
      .filter((s) => s.host !== "" || !perHost.has(`${s.deployment}\u0000${s.network}`));
    for (const subnet of dueForFree(unused, firstUnused, context.now().getTime(), graceMs)) {
      if (signal.aborted) return;
      const { deployment, network, host, cidr } = subnet;
      await context.submit(
        { $case: "subnetFree", value: { deployment, network, host } },
        allocatorIdentity,
      );
      context.log.info("subnet freed", { deployment, network, host, cidr, reason: "unused" });
    }
  };

  const runner = new CoalescedPass({
    pass,
    debounceMs: options.debounceMs ?? 200,
    signal,
    onError: (error) =>
      context.log.warn("subnet gc pass failed", { error: (error as Error).message }),
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
