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
 *   certificate (see {@link LeaderRpcClient}). `NodeJoin` is unauthenticated (the join token in
 *   the body is the credential), so no caller identity has to be carried.
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
import { Client, type ServiceError } from "@grpc/grpc-js";
import { errorFromGrpcStatus, methodByPath } from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import type { StateView } from "../../state/mod.ts";
import { parseHostPort } from "../host_port.ts";
import type { NodeTls } from "./data_dir.ts";
import { forwardDeadlineMs, PeerTlsCredentials } from "./forward.ts";
import { leaderGrpcAddress } from "./submit.ts";

/** Re-invokes one unary method on the leader at `address`; resolves with its response. */
export type CallLeader = <Response>(
  address: string,
  path: string,
  request: unknown,
) => Promise<Response>;

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
    return deps.call<Response>(address, target.path, target.request);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * gRPC client re-invoking public methods on the leader with this member's certificate; one
 * channel per address, closed by {@link LeaderRpcClient.close}. Same 10 s deadline as
 * `Internal.Submit` forwarding.
 */
export class LeaderRpcClient {
  #tls: () => NodeTls | undefined;
  #clients = new Map<string, Client>();

  /** `tls` is read at each new channel: the node has its certificate only after init/join. */
  constructor(tls: () => NodeTls | undefined) {
    this.#tls = tls;
  }

  /**
   * Calls unary `path` (a `/jaco.v1.<Service>/<Method>` path) on `address`.
   *
   * @throws {JacoError} the leader's typed error, or `no_leader` when it cannot be reached
   */
  call<Response>(address: string, path: string, request: unknown): Promise<Response> {
    const method = methodByPath(path);
    if (!method) return Promise.reject(new Error(`unknown method ${path}`));
    let client: Client;
    try {
      client = this.#client(address);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        method.path,
        method.grpc.requestSerialize,
        method.grpc.responseDeserialize,
        request,
        { deadline: Date.now() + forwardDeadlineMs },
        (error: ServiceError | null, response?: unknown) => {
          if (!error) resolve(response as Response);
          else reject(failureOf(error, address));
        },
      );
    });
  }

  /** Closes every channel. */
  close(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  #client(address: string): Client {
    let client = this.#clients.get(address);
    if (client) return client;
    const material = this.#tls();
    if (!material) throw new JacoError("cluster_uninitialized", "this node has no certificate yet");
    const parsed = parseHostPort(address);
    if (!parsed.ok) {
      throw new JacoError("no_leader", `leader gRPC address "${address}" ${parsed.reason}`, {
        leader_address: address,
        reason: "leader_address_invalid",
      });
    }
    client = new Client(address, new PeerTlsCredentials(parsed.value.host, material));
    this.#clients.set(address, client);
    return client;
  }
}

/** A status without a JACO envelope means the leader was not reached: retryable `no_leader`. */
function failureOf(error: ServiceError, address: string): JacoError {
  const typed = errorFromGrpcStatus(error);
  const synthesized = typed.code === "internal" && typed.details.grpc_status === String(error.code);
  if (!synthesized) return typed;
  return new JacoError(
    "no_leader",
    `cannot reach the raft leader at ${address}: ${error.details}`,
    {
      leader_address: address,
      reason: "leader_unreachable",
    },
  );
}
