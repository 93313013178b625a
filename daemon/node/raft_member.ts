/**
 * Opens this node's raft member: `SqliteStorage` under `<data_dir>/raft`, the mutual-TLS
 * transport on `cluster_addr` with the node certificate, and the {@link ClusterState} adapter
 * as the raft state machine. Also the bounded wait for leadership of `Cluster.Init`.
 *
 * Peer addresses: the transport learns them from `peers` (a joiner's `join.json`) and from the
 * address carried by each replayed conf change. Once the log is compacted into a snapshot those
 * conf changes are gone, so a restarted member — above all the init node, which has no
 * `join.json` — would know nobody. Every snapshot restored (at resume, or sent by the leader)
 * therefore also seeds the transport with the raft address (`Node.address`, the advertised
 * `cluster_addr`) of every member in the replicated Node records; conf changes replayed after
 * it still win, as they come later.
 *
 * @module
 */
import { JacoError } from "../../proto/errors.ts";
import {
  type ConfState,
  RaftDriver,
  type RaftDriverOptions,
  SqliteStorage,
  type StateMachine,
  TlsTransport,
} from "../../raft/mod.ts";
import type { ClusterState, StateView } from "../../state/mod.ts";
import type { HostPort } from "../host_port.ts";
import type { NodeTls } from "./data_dir.ts";

/**
 * The raft state machine backed by the replicated {@link ClusterState}; `onRestored` runs after
 * each snapshot is restored (see module doc).
 */
export function stateMachineOf(
  state: ClusterState,
  onRestored: (view: StateView) => void = () => {},
): StateMachine {
  return {
    apply: (entry) => state.apply(entry.data, entry.index),
    snapshot: () => state.snapshot(),
    restore: (snapshot) => {
      state.restore(snapshot.data, snapshot.meta.index);
      onRestored(state.view());
    },
  };
}

/**
 * Raft id → raft address of every member in the replicated Node records except `self`
 * (records without an address are skipped).
 *
 * @example
 * peersOfState(state.view(), "n1"); // { n2: "10.0.0.2:7001", n3: "10.0.0.3:7001" }
 */
export function peersOfState(view: Pick<StateView, "nodes">, self: string): Record<string, string> {
  const peers: Record<string, string> = {};
  for (const node of view.nodes()) {
    if (node.hostname !== self && node.address !== "") peers[node.hostname] = node.address;
  }
  return peers;
}

/** Inputs of {@link openRaftMember}. */
export interface RaftMemberOptions {
  /** Raft id (the node name). */
  id: string;
  /** `<data_dir>/raft`. */
  raftDir: string;
  /** Bind address of the raft transport. */
  clusterAddr: HostPort;
  /** Node TLS material (mutual TLS against the cluster CA). */
  tls: NodeTls;
  /** The replicated state the log applies to. */
  state: ClusterState;
  /** Membership of a brand-new cluster (init only); absent = resume from storage. */
  bootstrap?: ConfState;
  /** Raft id → address of members known before the log replays (a joiner's leader). */
  peers?: Record<string, string>;
  /** Driver tuning overrides (tests). */
  tuning?: Pick<RaftDriverOptions, "tickMs" | "electionTicks" | "heartbeatTicks">;
}

/**
 * Opens storage and transport and starts the driver; on failure everything opened is closed.
 *
 * @throws {SqliteStorageError} when `log.db` cannot be opened (e.g. locked by another daemon)
 */
export async function openRaftMember(options: RaftMemberOptions): Promise<RaftDriver> {
  const storage = await SqliteStorage.open({ dir: options.raftDir });
  let transport: TlsTransport | undefined;
  try {
    const listening = await TlsTransport.listen({
      id: options.id,
      hostname: options.clusterAddr.host,
      port: options.clusterAddr.port,
      ca: options.tls.caPem,
      cert: options.tls.certPem,
      key: options.tls.keyPem,
    });
    transport = listening;
    return await RaftDriver.start({
      id: options.id,
      storage,
      transport,
      stateMachine: stateMachineOf(options.state, (view) => {
        for (const [id, address] of Object.entries(peersOfState(view, options.id))) {
          listening.setPeer(id, address);
        }
      }),
      bootstrap: options.bootstrap,
      peers: options.peers,
      ...options.tuning,
    });
  } catch (error) {
    await transport?.close();
    await storage.close();
    throw error;
  }
}

/**
 * Resolves once `raft` leads, polling every `pollMs` (cluster.md §2 step 9: ≤10 s, 50 ms).
 *
 * @throws {JacoError} `no_leader` when leadership does not come within `timeoutMs`
 */
export async function waitForLeadership(
  raft: Pick<RaftDriver, "status">,
  options: { timeoutMs: number; pollMs: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (raft.status().role !== "leader") {
    if (Date.now() >= deadline) {
      throw new JacoError(
        "no_leader",
        `raft did not elect this node leader within ${options.timeoutMs} ms`,
        { timeout_ms: String(options.timeoutMs) },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}
