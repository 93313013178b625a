/**
 * Leader-only RPCs accepted by any member (cluster.md §3, rpc.md §6). Two shapes exist:
 *
 * - A handler that only needs one command committed (`Cluster.IssueJoinToken`: mint a secret,
 *   store its hash) runs on the member that was asked, and its single write goes through the
 *   `CommandSubmitter` (apply-or-forward). The caller's identity travels inside the command
 *   bytes, so the leader's audit log names the operator, and the follower never needs — nor
 *   sees — an operator token. The secret is minted where it is returned and never crosses the
 *   cluster network.
 * - A handler whose work must happen on the leader (`Cluster.NodeJoin`: raft learner conf
 *   change, CSR signing with the CA key, then one batch) is re-invoked as the same gRPC method
 *   on the leader's `Node.grpc_address`, over mutual TLS with this member's CA-signed
 *   certificate (`LeaderRpcClient` in `forward.ts`). `NodeJoin` is unauthenticated (the join token in
 *   the body is the credential), so no caller identity has to be carried.
 *
 * - Operator methods whose work must happen on the leader (`Cluster.NodeRemove`, and the stream
 *   `Cluster.Backup` via {@link onLeaderStream}) are re-invoked the same way, with the identity
 *   the follower admitted sent as `x-jaco-forwarded-identity`: the leader admits it from a member
 *   certificate (`daemon/api/gates.ts`), so a socket caller (`local`) and a token caller both
 *   work on any member and the leader audits the real caller.
 *
 * Decisions where the spec is silent (the reference answered `no_leader` on followers):
 * - A call that reached a member through a forward (it carries a CA-verified member
 *   certificate) is never forwarded again: a non-leader answers `no_leader` (retryable), so two
 *   members with stale ideas of the leader cannot bounce a join between them.
 * - No known leader, or a leader whose gRPC address is not published yet, is `no_leader` with
 *   `details.reason` saying which (from `leaderGrpcAddress`).
 *
 * @module
 */
import { JacoError } from "../../proto/errors.ts";
import type { StateView } from "../../state/mod.ts";
import { leaderGrpcAddress } from "./submit.ts";

/**
 * Re-invokes one unary method on the leader at `address`; resolves with its response.
 * `options.identity` re-asserts an operator caller's identity (`x-jaco-forwarded-identity`).
 */
export type CallLeader = <Response>(
  address: string,
  path: string,
  request: unknown,
  options?: { identity?: string; deadlineMs?: number; signal?: AbortSignal },
) => Promise<Response>;

/** Re-invokes one server-streaming method on the leader at `address`. */
export type StreamLeader = <Message>(
  address: string,
  path: string,
  request: unknown,
  options?: { identity?: string; deadlineMs?: number; signal?: AbortSignal },
) => AsyncIterable<Message>;

/** What {@link onLeader} needs from the node. */
export interface LeaderForwardDeps {
  /** Raft role and leader id, undefined before init. */
  raft: () => { status(): { role: string; leader: string } } | undefined;
  /** Replicated state (the leader's `Node.grpc_address`). */
  view: () => Pick<StateView, "node">;
  /** The member → leader call. */
  call: CallLeader;
}

/** Where the call being served came from. */
export interface ForwardOrigin {
  /** True when the caller presented a CA-signed member certificate (a forwarded call). */
  fromMember: boolean;
  /**
   * The admitted caller of an operator method, re-asserted to the leader so it runs (and is
   * audited) as that identity; absent for unauthenticated methods (`NodeJoin`).
   */
  identity?: string;
  /** Deadline of the forwarded call (default the client's 10 s). */
  deadlineMs?: number;
  /** Aborted when this member's caller goes away; cancels the forwarded call. */
  signal?: AbortSignal;
}

/** What {@link onLeaderStream} needs from the node. */
export interface LeaderStreamDeps extends Omit<LeaderForwardDeps, "call"> {
  /** The member → leader stream. */
  stream: StreamLeader;
}

/**
 * Runs `local` on the leader; on a follower re-invokes `path` with `request` on the leader.
 *
 * @throws {JacoError} `raft_unavailable` before init, `no_leader` when no leader is known, its
 *   address is unknown or unreachable, or the call was already forwarded once; the leader's
 *   own error otherwise
 */
export function onLeader<Response>(
  deps: LeaderForwardDeps,
  target: { path: string; request: unknown; origin: ForwardOrigin },
  local: () => Promise<Response>,
): Promise<Response> {
  const raft = deps.raft();
  if (!raft) return Promise.reject(new JacoError("raft_unavailable", "raft is not open"));
  const status = raft.status();
  if (status.role === "leader") return local();
  if (target.origin.fromMember) {
    return Promise.reject(
      new JacoError(
        "no_leader",
        "this member is not the raft leader; a forwarded call stops here",
        {
          leader: status.leader,
          reason: "not_leader",
        },
      ),
    );
  }
  try {
    const address = leaderGrpcAddress(status.leader, deps.view());
    return deps.call<Response>(address, target.path, target.request, forwardOptions(target.origin));
  } catch (error) {
    return Promise.reject(error);
  }
}

function forwardOptions(
  origin: ForwardOrigin,
): { identity?: string; deadlineMs?: number; signal?: AbortSignal } {
  const options: { identity?: string; deadlineMs?: number; signal?: AbortSignal } = {
    identity: origin.identity,
    deadlineMs: origin.deadlineMs,
  };
  if (origin.signal) options.signal = origin.signal;
  return options;
}

/**
 * The streaming twin of {@link onLeader} (`Cluster.Backup`): yields `local()` on the leader, the
 * leader's stream of `path` on a follower.
 *
 * @throws {JacoError} as {@link onLeader}
 */
export async function* onLeaderStream<Message>(
  deps: LeaderStreamDeps,
  target: { path: string; request: unknown; origin: ForwardOrigin },
  local: () => AsyncIterable<Message>,
): AsyncIterable<Message> {
  const raft = deps.raft();
  if (!raft) throw new JacoError("raft_unavailable", "raft is not open");
  const status = raft.status();
  if (status.role === "leader") {
    yield* local();
    return;
  }
  if (target.origin.fromMember) {
    throw new JacoError(
      "no_leader",
      "this member is not the raft leader; a forwarded call stops here",
      {
        leader: status.leader,
        reason: "not_leader",
      },
    );
  }
  const address = leaderGrpcAddress(status.leader, deps.view());
  yield* deps.stream<Message>(address, target.path, target.request, forwardOptions(target.origin));
}
