/**
 * The per-member suffrage that `Cluster.Status` reports (rpc.md `suffrages`,
 * cluster.md §4): only the leader's configuration is authoritative, so only
 * the leader reports it; followers report none and the CLI renders `?`.
 *
 * @module
 */
import { type NodeSuffrage, NodeSuffrage_Kind } from "../../proto/mod.ts";
import { Role } from "../../raft/mod.ts";
import type { VoterConfig } from "./voter_plan.ts";

/** What {@link suffrageView} reads: this member's role and its view of the configuration. */
export interface SuffrageSource {
  /** Raft role of this member. */
  role: Role;
  /** This member's view of the raft configuration. */
  config: VoterConfig;
}

/**
 * Each member's suffrage, sorted by hostname, when `source` is the leader;
 * an empty list otherwise (a follower's configuration may lag, and stale
 * suffrage is worse than none). A server listed as both is reported a voter.
 *
 * @example
 * ```ts
 * suffrageView({ role: "leader", config: { voters: ["a"], learners: ["b"] } });
 * // [{ hostname: "a", kind: KIND_VOTER }, { hostname: "b", kind: KIND_NONVOTER }]
 * ```
 */
export function suffrageView(source: SuffrageSource): NodeSuffrage[] {
  if (source.role !== Role.leader) return [];
  const voters = new Set(source.config.voters);
  const hostnames = [...new Set([...source.config.voters, ...source.config.learners])].sort();
  return hostnames.map((hostname) => ({
    hostname,
    kind: voters.has(hostname) ? NodeSuffrage_Kind.KIND_VOTER : NodeSuffrage_Kind.KIND_NONVOTER,
  }));
}
