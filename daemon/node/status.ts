/**
 * `Cluster.Status` (cli.md `cluster status`, rpc.md): the answering node's own view, read from
 * its local replicated state and raft status — any node answers, no leader round trip.
 *
 * Decisions: `raft_index` is the last index in the local log (what the node has, applied or
 * not); `suffrages` come from this member's own raft configuration (the latest one in its log,
 * which is the configuration raft itself acts on), on followers as well as on the leader — better
 * than the reference, which reported suffrage only on the leader (cli.md §5 renders `?` there).
 * A follower's configuration may lag the leader's by the entries it has not received yet; a
 * node absent from the configuration still renders `?`. `leader_address` is the leader's `Node.address`
 * when the leader is a known node; `mesh_mode` is what the mesh loop reports (`unavailable` until it runs).
 *
 * @module
 */
import {
  ClusterStatusResponse,
  type Node,
  type NodeSuffrage,
  NodeSuffrage_Kind,
} from "../../proto/mod.ts";
import type { RaftStatus } from "../../raft/mod.ts";

/** What the status is computed from. */
export interface StatusSources {
  /** Replicated members (any order). */
  nodes: readonly Node[];
  /** The local raft member's status; undefined while the node is uninitialized. */
  raft: Pick<RaftStatus, "role" | "leader" | "lastIndex" | "conf"> | undefined;
  /** `kernel`, `wireguard-go` or `unavailable` (east-west mesh of this node, daemon/network). */
  meshMode: string;
}

/**
 * Builds the `Cluster.Status` answer.
 *
 * @example
 * ```ts
 * clusterStatus({ nodes: [], raft: undefined, meshMode: "unavailable" }).initialized; // false
 * ```
 */
export function clusterStatus(sources: StatusSources): ClusterStatusResponse {
  const { raft } = sources;
  if (!raft) {
    return ClusterStatusResponse.fromPartial({ initialized: false, meshMode: sources.meshMode });
  }
  const nodes = [...sources.nodes].sort((a, b) =>
    a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0
  );
  const suffrages: NodeSuffrage[] = [
    ...raft.conf.voters.map((hostname) => ({ hostname, kind: NodeSuffrage_Kind.KIND_VOTER })),
    ...raft.conf.learners.map((hostname) => ({ hostname, kind: NodeSuffrage_Kind.KIND_NONVOTER })),
  ].sort((a, b) => a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0);
  return ClusterStatusResponse.fromPartial({
    initialized: true,
    nodes,
    leader: raft.leader,
    leaderAddress: nodes.find((node) => node.hostname === raft.leader)?.address ?? "",
    raftIndex: raft.lastIndex,
    suffrages,
    meshMode: sources.meshMode,
  });
}
