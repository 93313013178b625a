/**
 * `Cluster.NodeJoin`, the leader side of a join (cluster.md §3.3). Unauthenticated: the join
 * token in the body is the credential. Checks run in the spec's order, each failing fast; then
 * the CSR is signed for exactly the joiner's name, the joiner enters raft as a learner (never
 * a voter: a voter whose transport is not live yet could cost a small cluster its quorum), and
 * one batch consumes the token and adds the node as `joining`.
 *
 * Decisions where the spec is silent or the reference differs:
 * - A hostname that already names a member is `node_already_member` (AlreadyExists) before the
 *   token is consumed, so the operator can retry elsewhere with the same token (gap fix).
 * - The batch carries the node's server certificate fingerprint, so `Node` records it.
 * - No `NodeStatusUpdate{ready}` in the batch (gap fix, cluster.md "joining is effectively
 *   skipped"): the joiner's own firewall loop makes it `ready` after its first clean isolation
 *   self-test, or at once where no container runtime runs (daemon/network/firewall_loop.ts).
 *
 * @module
 */
import {
  Batch,
  type Command,
  JoinTokenConsume,
  NodeJoin,
  type NodeJoinRequest,
  NodeJoinResponse,
} from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import type { StateView } from "../../state/mod.ts";
import { hashSecret, type RandomSource } from "../secrets.ts";
import { bytesOfHex, memberAddresses, type SubmitPayload } from "./join_token.ts";

/** Wait for the learner conf change (cluster.md §3.3). */
export const ADD_LEARNER_TIMEOUT_MS = 5000;

/** What {@link nodeJoin} needs from the node. */
export interface NodeJoinDeps {
  /** Raft, or undefined when it is not open. */
  raft: {
    isLeader(): boolean;
    addLearner(id: string, address: string): Promise<unknown>;
  } | undefined;
  /** Replicated state as of now. */
  view: () => StateView;
  /** This (leader) node's hostname. */
  self: string;
  /** The write path. */
  submit: SubmitPayload;
  /** Called after the batch applied (kicks the voter reconciler). */
  joined?: (hostname: string) => void;
  /** Clock. */
  now: () => Date;
  /** Random bytes for the certificate serial. */
  random?: RandomSource;
  /** Learner conf change timeout (default {@link ADD_LEARNER_TIMEOUT_MS}). */
  addLearnerTimeoutMs?: number;
}

function required(request: NodeJoinRequest): void {
  const missing = [
    ["name", request.name],
    ["join_token", request.joinToken],
    ["csr_pem", request.csrPem.length > 0 ? "x" : ""],
    ["advertise_addr", request.advertiseAddr],
  ].filter(([, value]) => value === "").map(([field]) => field);
  if (missing.length > 0) {
    throw new JacoError(
      "validation_failed",
      `node join request is missing ${missing.join(", ")}`,
      { fields: missing.join(",") },
    );
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new JacoError("raft_add_voter_failed", `${what} did not commit in ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Admits one joiner (see module doc).
 *
 * @throws {JacoError} `raft_unavailable`, `no_leader`, `validation_failed`,
 *   `join_token_invalid`, `join_token_consumed`, `join_token_expired`, `ca_missing`,
 *   `csr_invalid`, `node_already_member`, `raft_add_voter_failed`, `raft_apply_failed`
 */
export async function nodeJoin(
  deps: NodeJoinDeps,
  request: NodeJoinRequest,
): Promise<NodeJoinResponse> {
  if (!deps.raft) throw new JacoError("raft_unavailable", "raft is not open on this node");
  if (!deps.raft.isLeader()) {
    throw new JacoError(
      "no_leader",
      `node "${deps.self}" is not the raft leader; join via the leader`,
    );
  }
  required(request);
  const hashHex = await hashSecret(request.joinToken);
  const hashed = bytesOfHex(hashHex);
  const view = deps.view();
  const token = view.joinToken(hashed);
  if (!token) throw new JacoError("join_token_invalid", "join token is not known to this cluster");
  if (token.consumedAt) {
    throw new JacoError("join_token_consumed", "join token was already used", {
      consumed_at: token.consumedAt.toISOString(),
    });
  }
  const now = deps.now();
  if (!token.expiresAt || token.expiresAt.getTime() <= now.getTime()) {
    throw new JacoError("join_token_expired", "join token has expired", {
      expires_at: token.expiresAt?.toISOString() ?? "",
    });
  }
  const meta = view.clusterMeta();
  if (!meta || meta.caCert.length === 0 || meta.caKey.length === 0) {
    throw new JacoError("ca_missing", "cluster ca is missing from state");
  }
  const decoder = new TextDecoder();
  const caCertPem = decoder.decode(meta.caCert);
  const { certificateFingerprint, signNodeCsr } = await import("../pki.ts"); // lazy: ~10 MB
  const certPem = await signNodeCsr({
    caCertPem,
    caKeyPem: decoder.decode(meta.caKey),
    csrPem: decoder.decode(request.csrPem),
    now,
    expectedHostname: request.name,
    random: deps.random,
  });
  if (view.node(request.name)) {
    throw new JacoError(
      "node_already_member",
      `name "${request.name}" already names a member of this cluster`,
      { name: request.name },
    );
  }
  await withTimeout(
    deps.raft.addLearner(request.name, request.advertiseAddr),
    deps.addLearnerTimeoutMs ?? ADD_LEARNER_TIMEOUT_MS,
    `adding "${request.name}" as a raft learner`,
  );
  const child = (payload: Command["payload"]): Command => ({
    clusterId: "",
    raftIndex: 0,
    ts: undefined,
    identity: "",
    payload,
  });
  await deps.submit({
    $case: "batch",
    value: Batch.fromPartial({
      children: [
        child({
          $case: "joinTokenConsume",
          value: JoinTokenConsume.fromPartial({ hashedSecret: hashed }),
        }),
        child({
          $case: "nodeJoin",
          value: NodeJoin.fromPartial({
            hostname: request.name,
            address: request.advertiseAddr,
            serverCertFingerprint: await certificateFingerprint(certPem),
            wireguardPubkey: request.wireguardPubkey,
            grpcAddress: request.grpcAddress,
          }),
        }),
      ],
    }),
  }, `join_token:${hashHex.slice(0, 8)}`);
  deps.joined?.(request.name);
  return NodeJoinResponse.fromPartial({
    clusterId: meta.clusterId,
    signedCert: new TextEncoder().encode(certPem),
    caCert: meta.caCert,
    peerAddrs: memberAddresses(deps.view(), deps.self, request.name),
  });
}
