/**
 * The operations of the one-shot replica command ledger (`ReplicaCommandIssue.op`, errors.md §8,
 * scheduling restart policy): the leader issues them, the node agent hosting the replica runs each
 * once, keyed by the command's raft index.
 *
 * @module
 */

/** Replica command operations, keyed by themselves. */
export const ReplicaCommandOp = {
  /** Restart the container, honouring its stop_signal and stop_grace_period. */
  restart: "restart",
  /** Take the replica out of ingress/TCP upstreams before it is restarted. */
  remove_from_routing: "remove_from_routing",
} as const;

/** One replica command operation. */
export type ReplicaCommandOp = typeof ReplicaCommandOp[keyof typeof ReplicaCommandOp];

/** True when `op` is a known replica command operation (unknown ops are ignored by agents). */
export function isReplicaCommandOp(op: string): op is ReplicaCommandOp {
  return Object.hasOwn(ReplicaCommandOp, op);
}
