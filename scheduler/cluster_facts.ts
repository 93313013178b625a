/**
 * Which nodes can take replicas right now, and what state a replica's host is in.
 *
 * A host is eligible when it is a member with status `ready`, is live (the leader hears from it)
 * and is not being drained (`status_details.drain` set by `node remove`, any value but "" or
 * "false"). A host that is a member but not live, or not a member at all (forced removal), is
 * "dead": its stateless replicas are re-pointed, pinned ones wait. A live member that is not
 * eligible (draining, not ready) is "ineligible": its replicas migrate make-before-break.
 *
 * @module
 */
import { type Node, NodeStatus } from "../proto/mod.ts";
import { drainDetailKey } from "./types.ts";

/** State of a replica's host. */
export type HostState = "eligible" | "ineligible" | "dead";

/** True when `node` is marked for draining. */
export function isDraining(node: Node): boolean {
  const mark = node.statusDetails[drainDetailKey];
  return mark !== undefined && mark !== "" && mark !== "false";
}

/** Node facts of one pass. */
export class ClusterFacts {
  /** Eligible hostnames, sorted. */
  readonly eligible: readonly string[];
  readonly #members: ReadonlyMap<string, Node>;
  readonly #live: ReadonlySet<string>;
  readonly #eligible: ReadonlySet<string>;

  constructor(nodes: readonly Node[], liveHosts: ReadonlySet<string>) {
    this.#members = new Map(nodes.map((node) => [node.hostname, node]));
    this.#live = liveHosts;
    this.eligible = nodes
      .filter((node) =>
        node.status === NodeStatus.NODE_STATUS_READY && liveHosts.has(node.hostname) &&
        !isDraining(node)
      )
      .map((node) => node.hostname)
      .sort();
    this.#eligible = new Set(this.eligible);
  }

  /** True when `host` is a member the leader hears from. */
  isLive(host: string): boolean {
    return this.#members.has(host) && this.#live.has(host);
  }

  /** True when `host` may take new replicas. */
  isEligible(host: string): boolean {
    return this.#eligible.has(host);
  }

  /** True when `host` is a cluster member. */
  isMember(host: string): boolean {
    return this.#members.has(host);
  }

  /** See the module doc. */
  hostState(host: string): HostState {
    if (this.#eligible.has(host)) return "eligible";
    return this.isLive(host) ? "ineligible" : "dead";
  }

  /** Why a dead host cannot be used: `unreachable` (member) or `removed`. */
  deadWord(host: string): string {
    return this.isMember(host) ? "unreachable" : "removed";
  }
}

/**
 * Live hosts from the raft leader's last contact per peer: `self` always, a peer when heard from
 * within `deadAfterMs`; members raft does not track are not live.
 */
export function liveHostsOf(
  self: string,
  lastContactMs: Readonly<Record<string, number>>,
  deadAfterMs: number,
): Set<string> {
  const live = new Set([self]);
  for (const [host, ms] of Object.entries(lastContactMs)) if (ms < deadAfterMs) live.add(host);
  return live;
}
