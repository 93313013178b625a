/**
 * Shared fixtures of the backup/restore unit tests: a `ClusterState` initialized from real
 * bootstrap material (a CA that can sign), and fake raft statuses.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Command } from "../../proto/mod.ts";
import type { RaftStatus } from "../../raft/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import { clusterInitCommand, createBootstrapMaterial } from "./init.ts";

/** An initialized state at raft index 1, and its cluster id. */
export async function initializedState(
  hostname = "alpha",
): Promise<{ state: ClusterState; clusterId: string }> {
  const now = new Date("2026-05-25T10:00:00Z");
  const material = await createBootstrapMaterial({ hostname, ips: ["10.0.0.1"], now });
  const state = new ClusterState();
  const command = clusterInitCommand(material, { hostname, raftAddress: "10.0.0.1:7001", now });
  assert.equal(state.apply(Command.encode(command).finish(), 1).status, "applied");
  return { state, clusterId: material.clusterId };
}

/** A raft status with the given role. */
export function raftStatus(role: RaftStatus["role"], term = 3): RaftStatus {
  return {
    id: "alpha",
    role,
    term,
    leader: role === "leader" ? "alpha" : "beta",
    commit: 1,
    applied: 1,
    lastIndex: 1,
    conf: { voters: ["alpha"], learners: [] },
  };
}
