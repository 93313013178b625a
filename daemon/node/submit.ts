/**
 * The daemon's write path (architecture.md §3–§4, rpc.md §6): every mutation becomes one
 * `Command` envelope `{cluster_id, ts, identity, payload}` stamped here (never by the FSM) and is
 * committed through raft — proposed locally on the leader, forwarded to the leader over
 * `Internal.Submit` on a follower ("apply-or-forward"). The leader side of `Internal.Submit`
 * ({@link submitOnLeader}) lives here too, so both ends agree on what a submitted command is.
 *
 * Decisions where the spec is silent or the reference differs:
 * - Operator writes are forwarded like subsystem writes (the reference refused them on followers
 *   with `no_leader`). The identity travels inside the command bytes, so the leader's audit log
 *   names the original caller, not the forwarding node.
 * - The leader is found by its raft id, which is its hostname (`Node.hostname`), and dialed at
 *   that node's `Node.grpc_address`; an empty address is `no_leader` (retryable) with
 *   `details.reason = leader_address_unknown` rather than a bare internal error.
 * - `Internal.Submit` refuses a command whose `cluster_id` differs from this cluster's
 *   (`validation_failed`): a node certificate of another cluster cannot be signed by this CA,
 *   but a stale envelope must not slip in either.
 * - A forwarded command is never forwarded again: a follower answering `Submit` says
 *   `no_leader`, so a leader change during the call surfaces as a retryable error, not a loop.
 * - With a {@link QuorumJudge} (the daemon always passes one) a write that this side of the
 *   cluster cannot commit is `quorum_lost` rather than `no_leader`/`raft_apply_failed`
 *   (`quorum.ts`).
 *
 * @module
 */
import { Command } from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import type { RaftDriver } from "../../raft/mod.ts";
import type { StateView } from "../../state/mod.ts";
import type { JudgedRaft, QuorumJudge } from "./quorum.ts";

/**
 * Builds the Command envelope (cluster_id, ts = injected clock, identity) and commits it through
 * raft: on the leader via RaftDriver.propose (waits until applied locally, 5 s →
 * raft_apply_failed); on a follower forwards to the leader (apply-or-forward) — resolves the
 * leader's gRPC address from state (Node.grpc_address of the raft leader's hostname), calls
 * Internal.Submit over mutual TLS with this node's certificate; no leader → no_leader. Returns
 * the raft index.
 */
export interface CommandSubmitter {
  /**
   * Commits `payload` as `identity`.
   *
   * @throws {JacoError} `cluster_uninitialized` before init, `no_leader` without a reachable
   *   leader, `raft_apply_failed` when the entry is not applied in time
   */
  submit(payload: Command["payload"], identity: string): Promise<{ raftIndex: number }>;
}

/** Calls `Internal.Submit` on the leader at `address`; resolves with its raft index. */
export type ForwardSubmit = (address: string, commandBytes: Uint8Array) => Promise<number>;

/** What {@link createSubmitter} needs; late-bound getters because raft starts after the API. */
export interface SubmitterDeps {
  /** This node's raft driver, undefined before init. */
  raft: () => (Pick<RaftDriver, "propose" | "status"> & JudgedRaft) | undefined;
  /** The local replicated state (cluster id, leader's node record). */
  view: () => Pick<StateView, "clusterMeta" | "node">;
  /** Clock stamping `Command.ts`. */
  now: () => Date;
  /** The follower → leader call (see `forward.ts`). */
  forward: ForwardSubmit;
  /** `quorum_lost` vs `no_leader` (see `quorum.ts`); none = never `quorum_lost`. */
  quorum?: QuorumJudge;
}

/**
 * The {@link CommandSubmitter} of one node (see module doc).
 *
 * @example
 * ```ts
 * const submitter = createSubmitter({ raft: () => driver, view: () => state.view(), now, forward });
 * const { raftIndex } = await submitter.submit({ $case: "tokenRevoke", value: { identity: "alice" } }, "local");
 * ```
 */
export function createSubmitter(deps: SubmitterDeps): CommandSubmitter {
  return {
    async submit(payload, identity) {
      const raft = requireRaft(deps.raft());
      const meta = deps.view().clusterMeta();
      if (!meta) {
        throw new JacoError("no_leader", "cluster metadata is not applied on this node yet", {
          reason: "cluster_meta_not_applied",
        });
      }
      const command: Command = {
        clusterId: meta.clusterId,
        raftIndex: 0,
        ts: deps.now(),
        identity,
        payload,
      };
      const bytes = Command.encode(command).finish();
      deps.quorum?.check(raft);
      const status = raft.status();
      if (status.role === "leader") {
        try {
          return { raftIndex: (await raft.propose(bytes)).index };
        } catch (error) {
          throw deps.quorum ? deps.quorum.explain(raft, error) : error;
        }
      }
      const address = leaderGrpcAddress(status.leader, deps.view());
      return { raftIndex: await deps.forward(address, bytes) };
    },
  };
}

/**
 * The leader side of `Internal.Submit`: decodes `commandBytes`, checks its cluster id against
 * this cluster's, and proposes it unchanged (identity and ts as the submitter stamped them).
 *
 * @throws {JacoError} `validation_failed` for empty/undecodable bytes or another cluster's id,
 *   `no_leader` when this node is not the leader, `raft_apply_failed` on apply timeout
 */
export async function submitOnLeader(
  commandBytes: Uint8Array,
  deps: Pick<SubmitterDeps, "raft" | "view" | "quorum">,
): Promise<number> {
  const raft = requireRaft(deps.raft());
  if (commandBytes.length === 0) {
    throw new JacoError("validation_failed", "command_bytes is empty", { field: "command_bytes" });
  }
  let command: Command;
  try {
    command = Command.decode(commandBytes);
  } catch (error) {
    throw new JacoError("validation_failed", "command_bytes is not a jaco.v1.Command", {
      field: "command_bytes",
      error: (error as Error).message,
    });
  }
  const clusterId = deps.view().clusterMeta()?.clusterId;
  if (command.clusterId !== clusterId) {
    throw new JacoError(
      "validation_failed",
      `command cluster_id "${command.clusterId}" is not this cluster's`,
      { field: "cluster_id", value: command.clusterId },
    );
  }
  const status = raft.status();
  if (status.role !== "leader") {
    throw new JacoError("no_leader", "this member is not the raft leader", {
      leader: status.leader,
      reason: "not_leader",
    });
  }
  deps.quorum?.check(raft);
  try {
    return (await raft.propose(commandBytes)).index;
  } catch (error) {
    throw deps.quorum ? deps.quorum.explain(raft, error) : error;
  }
}

/**
 * The gRPC address of the raft leader `leaderId` (its hostname) from replicated state.
 *
 * @throws {JacoError} `no_leader` when no leader is known or its address is not published
 */
export function leaderGrpcAddress(leaderId: string, view: Pick<StateView, "node">): string {
  if (!leaderId) {
    throw new JacoError("no_leader", "no raft leader is known", { reason: "no_leader" });
  }
  const address = view.node(leaderId)?.grpcAddress ?? "";
  if (!address) {
    throw new JacoError("no_leader", `no gRPC address known for leader "${leaderId}"`, {
      leader: leaderId,
      reason: "leader_address_unknown",
    });
  }
  return address;
}

function requireRaft<T>(raft: T | undefined): T {
  if (!raft) throw new JacoError("cluster_uninitialized", "this node is not in a cluster yet");
  return raft;
}
