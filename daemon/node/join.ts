/**
 * `Cluster.Join`, the joiner side (cluster.md §3.2): key + CSR, `Cluster.NodeJoin` on the peer
 * over TLS, then the peer's `Cluster.Status` for the raft id → address of every member, so the
 * joiner's raft transport can answer the leader before its log replays. `node.ts` persists the
 * result and opens raft non-bootstrapped.
 *
 * Trust: the joiner knows no CA before it joins. The reference dials without verification and
 * trusts the token; so does this when the request carries no CA pin. With `ca_fingerprint` the
 * TLS handshake is refused unless the peer proves it holds a leaf of the pinned CA, before the
 * token is sent (`join_ca_pin.ts`; gap fix of cluster.md §3.2 step 3). Always checked: the signed
 * certificate and the peer's TLS certificate must both be issued by the CA the peer returned,
 * so a peer that is not a member of the cluster it answers for is refused before anything is
 * written.
 *
 * @module
 */
import {
  type ClusterStatusResponse,
  NodeJoinRequest,
  type NodeJoinResponse,
} from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import type { NodeTls } from "./data_dir.ts";
import { PeerClient } from "./_peer_client.ts";
import { parseCaPin } from "./join_ca_pin.ts";

/** Dial + call timeout of the join (cluster.md §3.2 step 3). */
export const JOIN_TIMEOUT_MS = 30_000;

/** The unary calls the join makes on its peer (injected in tests). */
export interface JoinPeer {
  /** Calls `path` with `request`. */
  unary<Response>(path: string, request: unknown, deadlineMs: number): Promise<Response>;
  /** The peer's TLS leaf certificate, PEM, once a handshake happened. */
  readonly leafPem: string | undefined;
  /** Closes the connection. */
  close(): void;
}

/** Inputs of {@link joinCluster}. */
export interface JoinInputs {
  /** gRPC address of the peer (`host:port`). */
  peerAddr: string;
  /** Join token secret. */
  joinToken: string;
  /** This node's name. */
  hostname: string;
  /** IP SANs of the node certificate. */
  ips: readonly string[];
  /** This node's raft advertise address. */
  raftAddress: string;
  /** This node's gRPC advertise address. */
  grpcAddress: string;
  /** Pinned CA fingerprint (SHA-256 of the CA's DER, hex, `:` allowed); empty = no pin. */
  caFingerprint?: string;
  /** Peer dialer (default a TLS gRPC client, pinned when `caPin` is set). */
  dial?: (address: string, caPin?: string) => JoinPeer;
}

/** What a successful join hands to the node. */
export interface JoinResult {
  /** Cluster UUID. */
  clusterId: string;
  /** Node TLS material to persist. */
  tls: NodeTls;
  /** Raft addresses from the peer: leader first, others after (never this node). */
  peerAddrs: string[];
  /** Raft id → address of every other member, for the raft transport. */
  peers: Record<string, string>;
}

/**
 * Joins through `peerAddr` (see module doc).
 *
 * @throws {JacoError} `validation_failed` for a missing peer_addr / join_token, a malformed or
 *   mismatching CA pin (`details.reason: ca_fingerprint_mismatch`), the peer's
 *   typed refusal (`join_token_invalid`, …), `csr_invalid` when the peer's answer does not
 *   chain to the CA it returned
 */
export async function joinCluster(inputs: JoinInputs): Promise<JoinResult> {
  for (const [field, value] of [["peer_addr", inputs.peerAddr], ["join_token", inputs.joinToken]]) {
    if (value.trim() === "") {
      throw new JacoError("validation_failed", `${field} is required to join a cluster`, {
        field,
      });
    }
  }
  const caPin = inputs.caFingerprint ? parseCaPin(inputs.caFingerprint) : undefined;
  const { createNodeKeyAndCsr, verifyIssuedBy } = await import("../pki.ts"); // lazy: ~10 MB
  const { keyPem, csrPem } = await createNodeKeyAndCsr({
    hostname: inputs.hostname,
    ips: inputs.ips,
  });
  const dial = inputs.dial ?? ((address, pin) => new PeerClient(address, { caPin: pin }));
  const peer = dial(inputs.peerAddr, caPin);
  try {
    const response = await peer.unary<NodeJoinResponse>(
      "/jaco.v1.Cluster/NodeJoin",
      NodeJoinRequest.fromPartial({
        name: inputs.hostname,
        joinToken: inputs.joinToken,
        csrPem: new TextEncoder().encode(csrPem),
        advertiseAddr: inputs.raftAddress,
        grpcAddress: inputs.grpcAddress,
      }),
      JOIN_TIMEOUT_MS,
    );
    const decoder = new TextDecoder();
    const caPem = decoder.decode(response.caCert);
    const certPem = decoder.decode(response.signedCert);
    const leaf = peer.leafPem;
    if (!await verifyIssuedBy(certPem, caPem) || (leaf && !await verifyIssuedBy(leaf, caPem))) {
      throw new JacoError(
        "csr_invalid",
        `peer ${inputs.peerAddr} answered with a certificate not issued by the ca it returned`,
        { peer_addr: inputs.peerAddr },
      );
    }
    const status = await peer.unary<ClusterStatusResponse>(
      "/jaco.v1.Cluster/Status",
      {},
      JOIN_TIMEOUT_MS,
    );
    const peers: Record<string, string> = {};
    for (const node of status.nodes) {
      if (node.hostname !== inputs.hostname && node.address) peers[node.hostname] = node.address;
    }
    return {
      clusterId: response.clusterId,
      tls: { caPem, certPem, keyPem },
      peerAddrs: response.peerAddrs,
      peers,
    };
  } finally {
    peer.close();
  }
}
