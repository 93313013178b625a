/**
 * The firewall member loop (networking.md §5.3): keeps this host's `table inet jaco` equal to the
 * ruleset rendered from every replicated subnet, keeps the Docker-chain exemptions (§5.1) on top
 * of their iptables chains, and drives this node's isolation status — the ready gate of a node
 * that runs containers.
 *
 * Tick (immediately, every 30 s, and 200 ms after the last Subnet / Node / ReplicaObserved change
 * or nf_tables ruleset change — `nft monitor`, see net/nft_apply.ts — so a hand-deleted rule or a
 * flushed table is repaired in well under a second, not on the next 30 s tick):
 * 1. skipped (DEBUG) while no raft leader is known — status and audit writes need one;
 * 2. `nft` unusable → fail closed: own status `isolation_unavailable` (reason names `nft`);
 * 3. §5.1 exemptions; a failed step is audited (`isolation_ruleset_reconciled`
 *    `{action: exempt_failed, code: SNAT_EXEMPT_FAILED|OVERLAY_EXEMPT_FAILED, error}`) and logged
 *    at WARN, never changing status;
 * 4. list + full diff (chains, every rule, every set element — see net/nft_ruleset.ts); a list
 *    error is transient (logged, no status change);
 * 5. drift → log `firewall drift detected, applying ruleset`, apply the whole table atomically,
 *    then list again and diff (the self-test). Apply or self-test failing → log ERROR
 *    `apply ruleset failed`, own status `isolation_unavailable` with the reason (the FSM audits
 *    `isolation_unavailable {hostname}`). Success → audit `isolation_ruleset_reconciled
 *    {action: applied, summary}` and log `firewall ruleset reconciled`;
 * 6. a clean self-test publishes the verified CIDRs to this node's isolation gate (the runtime
 *    starts a container on a /24 only once it is covered, see isolation_gate.ts) and makes the
 *    node `ready` when it is not: from `isolation_unavailable`
 *    with reason `isolation_reload_recovered` and audit `{action: recovered}`, from `joining`
 *    with reason `isolation_ready`.
 *
 * Decisions where the spec is silent:
 * - Where it runs: netfilter is touched only on a host whose Docker socket exists (the same
 *   rule as the runtime agent and the published-ports loop, `dockerSocketPath()`): that is where
 *   containers run and where isolation means something. A daemon without Docker (the loopback
 *   test clusters, which run several jacods in this machine's root network namespace) never
 *   touches netfilter; its only write is the ready gate below.
 * - Ready gate (cluster.md gap "joining is effectively skipped"): a join leaves the node
 *   `joining` (daemon/node/node_join.ts no longer marks it `ready`), so the scheduler places
 *   nothing on it yet. On a container host the first tick is the authority: a clean self-test
 *   makes it `ready` (`isolation_ready`); `nft` missing or broken, or the first apply or
 *   self-test failing, makes it `isolation_unavailable` — it never was placement-eligible in
 *   between. A host without a container runtime has nothing to isolate and runs no replicas;
 *   its joiner is made `ready` (`no_container_runtime`) once a leader is known, so loopback
 *   clusters schedule as before. The bootstrap node starts `ready` (ClusterInit, no deployments
 *   exist yet) and its first tick confirms or demotes it. A node not `ready` for isolation
 *   reasons (`isolation_unavailable`, also one left by an earlier run) only becomes `ready`
 *   through a clean self-test. The scheduler places only on `ready` nodes
 *   (scheduler/cluster_facts.ts) and the runtime refuses to create containers while its own
 *   status is `isolation_unavailable` (daemon/agent/start_pipeline.ts).
 * - `nft` availability is re-checked every tick, so installing it recovers the node without a
 *   restart (the spec's "restart the daemon" also works).
 * - A status write keeps the node's other `status_details` (a drain mark survives) and is skipped
 *   when the stored status and reason already match; a `drain_timeout` node is left alone.
 * - Audits of exemption failures are written once per distinct error per step (every 30 s would
 *   flood the replicated log); they use `isolation_ruleset_reconciled` because the closed audit
 *   enum has no exemption type. The drift summary is cut to 1,000 characters.
 * - Store events that only refresh replica health or node pressure do not trigger a tick.
 *
 * @module
 */
import {
  diffModels,
  expectedModel,
  type FirewallBackend,
  NftFirewall,
  parseListing,
  renderRuleset,
  type RulesetSubnet,
} from "../../net/mod.ts";
import { AuditEventType, type Command, type Node, NodeStatus } from "../../proto/mod.ts";
import type { StoreName } from "../../state/mod.ts";
import { dockerSocketPath } from "../agent/mod.ts";
import type { MemberContext, MemberLoop } from "../node/member_loops.ts";
import { type IsolationGate, isolationGate } from "./isolation_gate.ts";
import { CoalescedPass } from "../node/coalesced_pass.ts";

/** Identity of the loop's writes. */
export const firewallIdentity = "system";

/** Options of the loop (tests). */
export interface FirewallLoopOptions {
  /** nft/iptables backend (default: the host's {@link NftFirewall}). */
  backend?: FirewallBackend;
  /** Where the loop runs (default: this host's Docker socket exists). */
  enabled?: () => Promise<boolean>;
  /** Safety tick (default 30 s). */
  tickMs?: number;
  /** Debounce of state events (default 200 ms). */
  debounceMs?: number;
  /** Where verified CIDRs are published (default: this node's {@link isolationGate}). */
  gate?: IsolationGate;
}

/** What the loop uses of the member. */
export type FirewallContext =
  & Pick<MemberContext, "nodeName" | "state" | "submit" | "log" | "signal">
  & { config: Pick<MemberContext["config"], "ipamPool">; raft: { status(): { leader: string } } };

const maxSummary = 1000;

/** Reason of a joiner made `ready` without a container runtime (nothing to isolate). */
export const noRuntimeReason = "no_container_runtime";

/** Reason of a node whose `nft` is unusable. */
export const nftMissingReason =
  "nft not usable: `nft --version` failed (nftables missing from PATH or broken)";

/** True when this host's Docker socket exists (where containers run). */
export async function dockerSocketExists(): Promise<boolean> {
  try {
    await Deno.stat(dockerSocketPath());
    return true;
  } catch {
    return false;
  }
}

/** Starts the firewall loop of this node (member loop factory); see the module doc. */
export function startFirewallLoop(
  context: FirewallContext,
  options: FirewallLoopOptions = {},
): MemberLoop {
  const backend = options.backend ?? new NftFirewall();
  const enabled = options.enabled ?? dockerSocketExists;
  const gate = options.gate ?? isolationGate(context.nodeName);
  const stop = new AbortController();
  const signal = AbortSignal.any([context.signal, stop.signal]);
  const exemptAudited = new Map<string, string>();
  let lastError = "";
  let idleLogged = false;
  let watching: Promise<void> | undefined;

  const self = (): Node | undefined => context.state.view().node(context.nodeName);

  const audit = async (payload: Record<string, string>): Promise<void> => {
    await context.submit({
      $case: "auditAppend",
      value: {
        event: {
          type: AuditEventType.AUDIT_EVENT_TYPE_ISOLATION_RULESET_RECONCILED,
          identity: firewallIdentity,
          ts: new Date(),
          raftIndex: 0,
          payload,
        },
      },
    }, firewallIdentity);
  };

  const setStatus = async (status: NodeStatus, reason: string): Promise<boolean> => {
    const node = self();
    if (!node || node.status === NodeStatus.NODE_STATUS_DRAIN_TIMEOUT) return false;
    if (node.status === status && node.statusDetails.reason === reason) return false;
    const payload: Command["payload"] = {
      $case: "nodeStatusUpdate",
      value: {
        hostname: context.nodeName,
        status,
        details: { ...node.statusDetails, reason },
        cpuPressure: 0,
        memoryPressure: 0,
        includePressure: false,
      },
    };
    await context.submit(payload, firewallIdentity);
    return true;
  };

  const failClosed = async (reason: string): Promise<void> => {
    gate.publish([]);
    if (reason !== lastError) context.log.error("apply ruleset failed", { error: reason });
    lastError = reason;
    await setStatus(NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE, reason);
  };

  const markReady = async (): Promise<void> => {
    lastError = "";
    const node = self();
    if (!node || node.status === NodeStatus.NODE_STATUS_READY) return;
    if (node.status === NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE) {
      if (await setStatus(NodeStatus.NODE_STATUS_READY, "isolation_reload_recovered")) {
        context.log.info("isolation recovered", { hostname: context.nodeName });
        await audit({ action: "recovered" });
      }
    } else if (node.status === NodeStatus.NODE_STATUS_JOINING) {
      await setStatus(NodeStatus.NODE_STATUS_READY, "isolation_ready");
    }
  };

  const exempt = async (): Promise<void> => {
    const failures = await backend.exempt(context.config.ipamPool);
    const failed = new Set(failures.map((failure) => failure.code));
    for (const code of [...exemptAudited.keys()]) {
      if (!failed.has(code as never)) exemptAudited.delete(code);
    }
    for (const failure of failures) {
      if (exemptAudited.get(failure.code) === failure.error) continue;
      exemptAudited.set(failure.code, failure.error);
      context.log.warn("docker chain exemption failed", {
        code: failure.code,
        error: failure.error,
      });
      await audit({ action: "exempt_failed", code: failure.code, error: failure.error });
    }
  };

  /** The drift of the live table from `subnets` (one snapshot per tick, see the tick). */
  const drift = async (subnets: readonly RulesetSubnet[]): Promise<string[]> =>
    diffModels(expectedModel(subnets), parseListing(await backend.list()));

  const tick = async (): Promise<void> => {
    const docker = await enabled();
    if (!docker && !idleLogged) {
      context.log.info("firewall loop idle: no Docker runtime on this host", {
        docker_socket: dockerSocketPath(),
      });
      idleLogged = true;
    }
    if (context.raft.status().leader === "") {
      context.log.debug("firewall tick skipped: no raft leader");
      return;
    }
    if (!docker) {
      if (self()?.status === NodeStatus.NODE_STATUS_JOINING) {
        await setStatus(NodeStatus.NODE_STATUS_READY, noRuntimeReason);
      }
      return;
    }
    startWatching();
    if (!await backend.available()) return await failClosed(nftMissingReason);
    await exempt();
    // One snapshot for the diff, the render and the self-test: a subnet committed meanwhile
    // must not fail the self-test (its event schedules the next tick).
    const subnets = context.state.view().subnets();
    const cidrs = subnets.map((subnet) => subnet.cidr).filter((cidr) => cidr !== "");
    let items: string[];
    try {
      items = await drift(subnets);
    } catch (error) {
      context.log.warn("firewall list failed", { error: (error as Error).message });
      return;
    }
    if (items.length === 0) {
      gate.publish(cidrs);
      return await markReady();
    }
    const summary = summaryOf(items);
    context.log.info("firewall drift detected, applying ruleset", { summary });
    try {
      await backend.apply(renderRuleset(subnets));
      const left = await drift(subnets);
      if (left.length > 0) {
        throw new Error(`isolation_self_test_failed: ruleset still differs: ${summaryOf(left)}`);
      }
      gate.publish(cidrs);
    } catch (error) {
      return await failClosed((error as Error).message);
    }
    context.log.info("firewall ruleset reconciled", { summary });
    await audit({ action: "applied", summary });
    await markReady();
  };

  const startWatching = (): void => {
    if (watching || !backend.watch || signal.aborted) return;
    watching = backend.watch(() => {
      // A degraded node waits for the safety tick: a failing apply must not loop on its own
      // ruleset events.
      if (lastError === "") schedule();
    }, signal).catch(() => undefined).finally(() => watching = undefined);
  };

  const runner = new CoalescedPass({
    pass: tick,
    debounceMs: options.debounceMs ?? 200,
    signal,
    onError: (error) =>
      context.log.warn("firewall tick failed", { error: (error as Error).message }),
  });
  const trigger = (): void => runner.trigger();
  const schedule = (): void => runner.schedule();

  const watched: StoreName[] = ["subnets", "nodes", "replicas_observed"];
  const subscriptions = watched.map((store) => context.state.subscribe(store, { signal }));
  const consumers = subscriptions.map(async (subscription, at) => {
    for await (const event of subscription) {
      if (event.freshnessOnly) continue;
      if (watched[at] === "nodes" && !nodeEventMatters(event.before, event.after)) continue;
      schedule();
    }
  });
  const safety = setInterval(trigger, options.tickMs ?? 30_000);
  trigger();

  return {
    async stop() {
      stop.abort();
      clearInterval(safety);
      for (const subscription of subscriptions) subscription.close();
      await Promise.allSettled(consumers);
      await runner.stop();
      await watching;
    },
  };
}

/** Sorted drift items joined by commas, cut to {@link maxSummary} characters. */
export function summaryOf(items: readonly string[]): string {
  const text = items.join(",");
  return text.length <= maxSummary ? text : `${text.slice(0, maxSummary)}…(${items.length} items)`;
}

function nodeEventMatters(before: unknown, after: unknown): boolean {
  const a = before as Node | undefined;
  const b = after as Node | undefined;
  if (!a || !b) return true;
  return a.status !== b.status || a.address !== b.address;
}
