/**
 * What applying one raft entry did. Expected outcomes (a held lock, an unknown target) are data,
 * not exceptions: the FSM never fails the log.
 *
 * @module
 */

/** How an entry applied. */
export const ApplyStatus = {
  /** The payload's effect was applied. */
  applied: "applied",
  /** No effect: empty/unknown payload, reserved command, or a target that does not exist. */
  ignored: "ignored",
  /** No effect because the command lost a race (a cert lock held by another lessee). */
  rejected: "rejected",
  /** The bytes are not a `Command`; nothing changed. */
  undecodable: "undecodable",
} as const;

/** One apply status. */
export type ApplyStatus = typeof ApplyStatus[keyof typeof ApplyStatus];

/** Result of {@link ClusterState.apply}, handed back to the proposer by the raft driver. */
export interface ApplyOutcome {
  /** How it applied. */
  status: ApplyStatus;
  /** Log index of the entry. */
  raftIndex: number;
  /** `Command.payload.$case` (absent for an empty/unknown payload or undecodable bytes). */
  payload?: string;
  /** Why it was ignored, rejected or undecodable, e.g. `unknown_node`, `cert_lock_held`. */
  reason?: string;
  /** Per-child outcomes of a batch, in order. */
  children?: ApplyOutcome[];
}
