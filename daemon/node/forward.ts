/**
 * The follower → leader half of apply-or-forward: `Internal.Submit` over gRPC with mutual TLS —
 * this node presents its CA-signed certificate (the leader admits `Internal.*` only from peers)
 * and verifies the leader's certificate against the cluster CA and the dialed host (the
 * reference dialed peers without verification; architecture.md gaps).
 *
 * Why a custom connector rather than `credentials.createSsl`: grpc-js sets the TLS `servername`
 * to the dialed host and Deno's `node:tls` refuses an IP there, while peers are usually dialed
 * by IP. The connector leaves SNI out for IP hosts and checks the IP SAN itself after the
 * handshake with `tls.checkServerIdentity`.
 *
 * {@link LeaderRpcClient} is the generic member → leader unary client (also used to re-invoke
 * leader-only methods, see `leader_forward.ts`); one channel per leader address is kept (leaders
 * change rarely) and closed by `close()`. Each call has a 10 s deadline (5 s apply on the leader plus the
 * network); the leader's typed error comes back unchanged.
 *
 * @module
 */
import tls from "node:tls";
import { type ChannelCredentials, Client, Metadata, type ServiceError } from "@grpc/grpc-js";
import {
  errorFromGrpcStatus,
  methodByPath,
  services,
  SubmitRequest,
  type SubmitResponse,
} from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import { parseHostPort } from "../host_port.ts";
import type { NodeTls } from "./data_dir.ts";
import { TlsChannelCredentials } from "./_tls_channel.ts";

/** Deadline of one forwarded submit. */
export const forwardDeadlineMs = 10_000;

/** Calls `Internal.Submit` on peers with this node's certificate (see module doc). */
export class PeerSubmitClient {
  #rpc: LeaderRpcClient;

  /** `tls` is read at each new channel: the node has its certificate only after init/join. */
  constructor(tls: () => NodeTls | undefined) {
    this.#rpc = new LeaderRpcClient(tls);
  }

  /**
   * Submits `commandBytes` to the leader at `address` (`host:port`).
   *
   * @throws {JacoError} the leader's error, or `no_leader` when it cannot be reached
   */
  async submit(address: string, commandBytes: Uint8Array): Promise<number> {
    const response = await this.#rpc.call<SubmitResponse>(
      address,
      services.Internal.methods.Submit.path,
      SubmitRequest.fromPartial({ commandBytes }),
    );
    return Number(response.raftIndex);
  }

  /** Closes every channel. */
  close(): void {
    this.#rpc.close();
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
   * Calls unary `path` (a `/jaco.v1.<Service>/<Method>` path) on `address`. `options.identity`
   * is sent as `x-jaco-forwarded-identity` (an operator call re-invoked for its caller; see
   * `daemon/api/gates.ts`); `options.deadlineMs` replaces the 10 s default.
   *
   * @throws {JacoError} the leader's typed error, or `no_leader` when it cannot be reached
   */
  call<Response>(
    address: string,
    path: string,
    request: unknown,
    options: ForwardOptions = {},
  ): Promise<Response> {
    const method = methodByPath(path);
    if (!method) return Promise.reject(new Error(`unknown method ${path}`));
    let client: Client;
    try {
      client = this.#client(address);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      const cancel = () => call.cancel();
      const call = client.makeUnaryRequest(
        method.path,
        method.grpc.requestSerialize,
        method.grpc.responseDeserialize,
        request,
        metadataOf(options),
        { deadline: Date.now() + (options.deadlineMs ?? forwardDeadlineMs) },
        (error: ServiceError | null, response?: unknown) => {
          options.signal?.removeEventListener("abort", cancel);
          if (!error) resolve(response as Response);
          else reject(failureOf(error, address));
        },
      );
      if (options.signal?.aborted) cancel();
      else options.signal?.addEventListener("abort", cancel, { once: true });
    });
  }

  /**
   * Calls server-streaming `path` on `address` and yields its messages; breaking out of the
   * loop cancels the call. Options as {@link LeaderRpcClient.call}.
   *
   * @throws {JacoError} the leader's typed error, or `no_leader` when it cannot be reached
   */
  async *stream<Message>(
    address: string,
    path: string,
    request: unknown,
    options: ForwardOptions = {},
  ): AsyncIterable<Message> {
    const method = methodByPath(path);
    if (!method) throw new Error(`unknown method ${path}`);
    const call = this.#client(address).makeServerStreamRequest(
      method.path,
      method.grpc.requestSerialize,
      method.grpc.responseDeserialize,
      request,
      metadataOf(options),
      { deadline: Date.now() + (options.deadlineMs ?? forwardDeadlineMs) },
    );
    try {
      for await (const message of call) yield message as Message;
    } catch (error) {
      const status = error as ServiceError;
      throw typeof status?.code === "number" ? failureOf(status, address) : error;
    } finally {
      call.cancel();
    }
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
    client = new Client(address, peerTlsCredentials(parsed.value.host, material));
    this.#clients.set(address, client);
    return client;
  }
}

/** Per-call options of {@link LeaderRpcClient}. */
export interface ForwardOptions {
  /** The caller's identity, re-asserted to the leader (`x-jaco-forwarded-identity`). */
  identity?: string;
  /** Deadline of the call / whole stream (default {@link forwardDeadlineMs}). */
  deadlineMs?: number;
  /** The forwarding member's caller went away: cancel the call on the leader too. */
  signal?: AbortSignal;
}

function metadataOf(options: ForwardOptions): Metadata {
  const metadata = new Metadata();
  if (options.identity) metadata.set("x-jaco-forwarded-identity", options.identity);
  return metadata;
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

/**
 * Mutual-TLS channel credentials of a member dialing a peer: presents `material`'s certificate,
 * verifies the peer against the cluster CA and `host` (IP SAN checked after the handshake).
 */
export function peerTlsCredentials(host: string, material: NodeTls): ChannelCredentials {
  return new TlsChannelCredentials({
    host,
    tls: { ca: material.caPem, cert: material.certPem, key: material.keyPem },
    check: (secured) =>
      secured.authorized
        ? tls.checkServerIdentity(host, secured.getPeerCertificate())
        : new Error(`peer certificate not signed by the cluster CA: ${secured.authorizationError}`),
  });
}
