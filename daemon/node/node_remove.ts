/**
 * `Cluster.NodeRemove` on the leader (cluster.md §6.1): validate → drain (unless `force`;
 * `node_remove_drain.ts`) → raft remove-server → commit `NodeRemove` (the FSM deletes the node
 * and its subnets and audits `node_remove`) → shrink voters to the §5 target → kick the voter
 * reconciler.
 *
 * Decisions where the spec is silent:
 * - An unknown hostname (neither a `Node` record nor a raft server) is `unknown_host`
 *   (InvalidArgument; the closed set has no `node_not_found`). A raft server without a `Node`
 *   record (a half-finished earlier remove) is still removed; a `Node` record without a raft
 *   server (already removed from raft) just gets its `NodeRemove` — so a retried remove always
 *   finishes.
 * - Removing the leader itself: the leader first hands leadership to another voter (the
 *   lexicographically smallest; a learner is promoted first when no other voter exists), waits
 *   up to 10 s for a new leader, and the caller (`node.ts`) re-invokes the whole call there, so
 *   the new leader runs the drain and the removal like for any other node. Removing the only
 *   member is `validation_failed`.
 * - The leaver is removed from raft *before* the §5 demotions (the spec orders them the other way):
 *   a demotion is a remove + re-add, and re-adding under a configuration that still counts a dead
 *   leaver as a voter can need its vote and never commit — {1, 2, 3} minus a dead 3, demoting 2
 *   first, leaves {1, 3}, which cannot commit the re-add and loses the cluster its quorum. A node
 *   that just died still looks reachable to the leader for a while, so the order does not depend
 *   on contact. Both orders pass through a configuration of the same size. The demotions then
 *   shrink the voters to `target(remaining)`.
 * - A failed demotion does not fail the call — the node is already removed and committed; the
 *   kicked voter reconciler converges the voter set (its ERROR log names the failure). A failed
 *   remove-server is `raft_remove_failed`; the `NodeRemove` commit failing is the submitter's
 *   error (`raft_apply_failed`, `no_leader`, `quorum_lost`).
 *
 * @module
 */
import { type NodeRemoveRequest, NodeRemoveResponse } from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import type { RaftStatus } from "../../raft/mod.ts";
import { planShrinkBeforeRemove } from "../membership/mod.ts";
import { assertPlaceable, type DrainDeps, drainNode, replicasToMove } from "./node_remove_drain.ts";

/**
 * Deadline of a forwarded or re-invoked `NodeRemove` and of the CLI's graceful remove: the
 * drain's progress deadline is 5 min per replica, so the whole call gets an hour (cli.md gaps:
 * the client must not give up before the server).
 */
export const NODE_REMOVE_CALL_DEADLINE_MS = 60 * 60_000;

/** How long the leader waits for a successor after handing leadership away. */
export const LEADER_HANDOFF_TIMEOUT_MS = 10_000;

/** The raft operations a removal needs (the leader's driver). */
export interface RemoveRaft {
  status(): RaftStatus;
  remove(id: string): Promise<unknown>;
  addLearner(id: string, address: string): Promise<unknown>;
  promote(id: string): Promise<unknown>;
  transferLeadership(to: string): void;
}

/** What {@link nodeRemove} needs. */
export interface NodeRemoveDeps extends Omit<DrainDeps, "identity"> {
  /** This member's raft driver. */
  raft: RemoveRaft;
  /** Kicks the voter reconciler after the removal. */
  kick: () => void;
}

/** Outcome of {@link nodeRemove}: done, or "leadership handed away; re-invoke on the leader". */
export type NodeRemoveOutcome =
  | { done: NodeRemoveResponse }
  | { handedOffTo: string };

/**
 * Runs the removal of `request.hostname` on this leader.
 *
 * @throws {JacoError} `validation_failed`, `unknown_host`, `no_leader` (not the leader / no
 *   successor in time), `drain_no_placement`, `drain_timeout`, `drain_cancelled`,
 *   `drain_apply_failed`, `raft_remove_failed`, and the submitter's errors
 */
export async function nodeRemove(
  deps: NodeRemoveDeps,
  request: NodeRemoveRequest,
  identity: string,
  signal: AbortSignal,
): Promise<NodeRemoveOutcome> {
  const hostname = request.hostname.trim();
  if (hostname === "") {
    throw new JacoError("validation_failed", "hostname is required to remove a node", {
      field: "hostname",
    });
  }
  const status = deps.raft.status();
  if (status.role !== "leader") {
    throw new JacoError("no_leader", "this member is not the raft leader", {
      leader: status.leader,
      reason: "not_leader",
    });
  }
  const inRaft = [...status.conf.voters, ...status.conf.learners].includes(hostname);
  if (!deps.view().node(hostname) && !inRaft) {
    throw new JacoError("unknown_host", `node "${hostname}" is not a cluster member`, {
      hostname,
    });
  }
  if (hostname === status.id) return { handedOffTo: await handOff(deps, signal) };

  let moved = 0;
  if (!request.force) {
    const ids = replicasToMove(deps.view(), hostname);
    assertPlaceable(deps.view(), hostname, ids);
    moved = await drainNode({ ...deps, identity }, hostname, ids, signal);
  }
  if (inRaft) {
    await deps.raft.remove(hostname).catch((error) => {
      throw new JacoError("raft_remove_failed", `cannot remove "${hostname}" from raft: ${error}`, {
        hostname,
      });
    });
  }
  await deps.submit({ $case: "nodeRemove", value: { hostname } }, identity);
  if (inRaft) await shrinkVoters(deps, hostname);
  deps.kick();
  return {
    done: NodeRemoveResponse.fromPartial({ hostname, forced: request.force, replicasMoved: moved }),
  };
}

/**
 * The §5 demotions down to `target(remaining)` (remove + re-add as learner, one at a time); stops
 * at the first failure and leaves the rest to the voter reconciler (see module doc).
 */
async function shrinkVoters(deps: NodeRemoveDeps, leaving: string): Promise<void> {
  const status = deps.raft.status();
  const plan = planShrinkBeforeRemove({ config: status.conf, leader: status.id, leaving });
  for (const change of plan.demotions) {
    const address = deps.view().node(change.server)?.address;
    try {
      if (!address) throw new Error("no known raft address");
      await deps.raft.remove(change.server);
      await deps.raft.addLearner(change.server, address);
    } catch {
      return;
    }
  }
}

/** Hands leadership to another voter; resolves with the new leader's id. */
async function handOff(deps: NodeRemoveDeps, signal: AbortSignal): Promise<string> {
  const status = deps.raft.status();
  const others = (ids: string[]) => ids.filter((id) => id !== status.id).sort();
  let successor = others(status.conf.voters)[0];
  if (!successor) {
    successor = others(status.conf.learners)[0];
    if (!successor) {
      throw new JacoError("validation_failed", `node "${status.id}" is the only member`, {
        hostname: status.id,
      });
    }
    await deps.raft.promote(successor);
  }
  deps.raft.transferLeadership(successor);
  const deadline = deps.now() + LEADER_HANDOFF_TIMEOUT_MS;
  while (deps.now() < deadline && !signal.aborted) {
    const now = deps.raft.status();
    if (now.role !== "leader" && now.leader && now.leader !== status.id) return now.leader;
    await deps.sleep(50, signal);
  }
  throw new JacoError(
    "no_leader",
    `leadership was not handed to "${successor}" within ${LEADER_HANDOFF_TIMEOUT_MS / 1000} s`,
    { reason: "leader_handoff_timeout", successor },
  );
}
