/**
 * How a planned suffrage change becomes raft single-server membership
 * changes. The core's `ConfChangeType` has `add_voter` (which promotes a
 * learner), `add_learner` and `remove_node`, and no demotion: `add_learner`
 * on a voter keeps it a voter. A demotion is therefore `remove_node` followed
 * by `add_learner` — two entries, each committed before the next is proposed
 * (the core refuses a second change while one is pending).
 *
 * Between the two entries the server is briefly no member at all; if the
 * leader fails in that window the server stays out of the configuration until
 * it is added back as a learner (the daemon's membership repair, not this
 * planner's job). The window is one commit round, and a demotion only runs
 * when the voter set is above target, so availability never depends on it.
 *
 * @module
 */
import { type ConfChange, ConfChangeType } from "../../raft/mod.ts";
import { type VoterChange, VoterChangeKind } from "./voter_plan.ts";

/** A change that cannot be expressed as raft membership changes. */
export class VoterChangeError extends Error {
  /** Wraps `message` (names the server and why). */
  constructor(message: string) {
    super(message);
    this.name = "VoterChangeError";
  }
}

const encoder = new TextEncoder();

/**
 * The raft membership changes that carry out `change`, in the order they must
 * commit. Each carries the server's raft address as context, so every member's
 * transport knows where to reach it again after a remove + re-add.
 *
 * @throws {VoterChangeError} when a demotion's server has no known address
 *   (re-adding it as a learner would leave it unreachable; nothing is changed).
 * @example
 * ```ts
 * raftChangesOf({ kind: "demote", server: "c" }, new Map([["c", "10.0.0.3:7001"]]));
 * // [{ type: "remove_node", node: "c" }, { type: "add_learner", node: "c", context }]
 * ```
 */
export function raftChangesOf(
  change: VoterChange,
  addresses: ReadonlyMap<string, string>,
): ConfChange[] {
  if (change.kind === VoterChangeKind.promote) {
    return [{
      type: ConfChangeType.addVoter,
      node: change.server,
      context: encoder.encode(change.address),
    }];
  }
  const address = addresses.get(change.server);
  if (!address) {
    throw new VoterChangeError(`voter ${change.server} has no known address; not demoting it`);
  }
  return [
    { type: ConfChangeType.removeNode, node: change.server },
    { type: ConfChangeType.addLearner, node: change.server, context: encoder.encode(address) },
  ];
}
