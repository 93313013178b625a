/**
 * `node/join.json` (cluster.md §3.2 step 5): what a joiner learned from its peer —
 * `{cluster_id, peer_addrs, hostname, advertise}` — plus `peers` (raft id → address), so a
 * restarted joiner can reach the members before its log replays (the first member's address
 * is in no conf-change entry).
 *
 * @module
 */
import type { DataDirLayout } from "./data_dir.ts";

/** The joiner's record. */
export interface JoinRecord {
  /** Cluster UUID. */
  clusterId: string;
  /** Raft addresses the peer returned (leader first). */
  peerAddrs: string[];
  /** This node's name. */
  hostname: string;
  /** This node's raft advertise address. */
  advertise: string;
  /** Raft id → address of the other members at join time. */
  peers: Record<string, string>;
}

function pathOf(layout: DataDirLayout): string {
  return `${layout.nodeDir}/join.json`;
}

/** Writes `node/join.json` (0600; the node dir must exist). */
export async function writeJoinRecord(layout: DataDirLayout, record: JoinRecord): Promise<void> {
  const text = JSON.stringify(
    {
      cluster_id: record.clusterId,
      peer_addrs: record.peerAddrs,
      hostname: record.hostname,
      advertise: record.advertise,
      peers: record.peers,
    },
    null,
    2,
  ) + "\n";
  await Deno.writeTextFile(pathOf(layout), text, { mode: 0o600 });
}

/**
 * Reads `node/join.json`; undefined when absent (the node bootstrapped the cluster).
 *
 * @throws {SyntaxError} when the file is not JSON
 */
export async function readJoinRecord(layout: DataDirLayout): Promise<JoinRecord | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(pathOf(layout));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const raw = JSON.parse(text);
  const peers: Record<string, string> = {};
  for (const [id, address] of Object.entries(raw.peers ?? {})) {
    if (typeof address === "string") peers[id] = address;
  }
  return {
    clusterId: String(raw.cluster_id ?? ""),
    peerAddrs: Array.isArray(raw.peer_addrs) ? raw.peer_addrs.map(String) : [],
    hostname: String(raw.hostname ?? ""),
    advertise: String(raw.advertise ?? ""),
    peers,
  };
}
