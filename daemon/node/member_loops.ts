/**
 * The background loops every cluster member runs once raft is open (after init, join or a resume
 * at boot): the scheduler on the leader, the runtime reconciler for this node's replicas, and so
 * on. Each loop lives in its own feature module; this table only lists them, so the composition
 * root (`node.ts`) starts and stops them in one place without knowing what they do.
 *
 * A loop must converge from any state (level-triggered): it reads the replicated state through
 * {@link MemberContext.state}, writes only through {@link MemberContext.submit}, and ends when
 * {@link MemberContext.signal} aborts.
 *
 * @module
 */
import type { Command } from "../../proto/mod.ts";
import type { RaftDriver } from "../../raft/mod.ts";
import type { ClusterState } from "../../state/mod.ts";
import type { DaemonConfig } from "../config.ts";
import type { DaemonLogger } from "./log.ts";
import { startRuntimeAgent } from "../agent/mod.ts";
import { startSchedulerLoop } from "../scheduling/mod.ts";
import { startIpamLoop } from "../network/ipam_loop.ts";
import { startBridgeLoop } from "../network/bridge_loop.ts";
import { startFirewallLoop } from "../network/firewall_loop.ts";
import { startDnsLoop } from "../network/dns_loop.ts";
import { startPortsLoop } from "../network/ports_loop.ts";
import { startMeshLoop } from "../network/mesh_loop.ts";

/** What a member loop gets from the daemon. */
export interface MemberContext {
  /** This node's name (raft id, `Node.hostname`). */
  nodeName: string;
  /** Validated daemon config. */
  config: DaemonConfig;
  /** The raft driver (role, leader, membership). */
  raft: RaftDriver;
  /** The local replicated state (views and watch subscriptions). */
  state: ClusterState;
  /** Commits a command as `identity` (apply-or-forward). */
  submit(payload: Command["payload"], identity: string): Promise<{ raftIndex: number }>;
  /** Logger. */
  log: DaemonLogger;
  /** Clock. */
  now(): Date;
  /** Aborts when the daemon stops. */
  signal: AbortSignal;
  /**
   * Ensures the /24 of (deployment, network, host) on the leader (`Internal.EnsureSubnet`,
   * daemon/network); absent in loop tests, where networks stay plain per-host bridges.
   */
  ensureSubnet?(key: { deployment: string; network: string; host: string }): Promise<string>;
  /** Reports this node's mesh mode (`kernel`, `wireguard-go`, `unavailable`) for `cluster status`. */
  reportMeshMode?(mode: string): void;
}

/** A started loop; `stop` resolves once its work in flight has ended. */
export interface MemberLoop {
  /** Stops the loop. */
  stop(): Promise<void>;
}

/** Starts one loop. */
export type MemberLoopFactory = (context: MemberContext) => MemberLoop;

/**
 * The loops, in start order. Add one line per feature (keep the list short and flat).
 */
export const memberLoops: readonly { name: string; start: MemberLoopFactory }[] = [
  { name: "runtime", start: startRuntimeAgent },
  { name: "scheduler", start: (context) => startSchedulerLoop(context) },
  { name: "ipam-gc", start: (context) => startIpamLoop(context) },
  { name: "bridges", start: (context) => startBridgeLoop(context) },
  { name: "firewall", start: (context) => startFirewallLoop(context) },
  { name: "dns", start: (context) => startDnsLoop(context) },
  { name: "published-ports", start: (context) => startPortsLoop(context) },
  { name: "mesh", start: (context) => startMeshLoop(context) },
];

/** Starts every loop of {@link memberLoops}; a loop that throws at start is logged and skipped. */
export function startMemberLoops(
  context: MemberContext,
  loops: readonly { name: string; start: MemberLoopFactory }[] = memberLoops,
): MemberLoop {
  const started: MemberLoop[] = [];
  for (const loop of loops) {
    try {
      started.push(loop.start(context));
    } catch (error) {
      context.log.error("member loop failed to start", {
        loop: loop.name,
        error: (error as Error).message,
      });
    }
  }
  return {
    async stop() {
      await Promise.allSettled(started.map((loop) => loop.stop()));
    },
  };
}
