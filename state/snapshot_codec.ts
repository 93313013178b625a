/**
 * FSMSnapshot encoding of the stores (rpc.md §4, architecture.md §5.2): every store in the
 * snapshot's field order, entities in key order, the audit log in raft order, maps with sorted
 * keys — so equal states encode to equal bytes on every node.
 *
 * @module
 */
import { FSMSnapshot } from "../proto/mod.ts";
import {
  canonicalAuditEvent,
  canonicalDeployment,
  canonicalNode,
  canonicalObserved,
} from "./_canonical.ts";
import type { Stores } from "./stores.ts";

/** Raised when snapshot bytes do not decode as an `FSMSnapshot`. */
export class SnapshotDecodeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SnapshotDecodeError";
  }
}

/** Encodes every store as `FSMSnapshot` bytes. */
export function encodeSnapshot(stores: Stores): Uint8Array {
  return FSMSnapshot.encode({
    cluster: stores.clusterMeta,
    nodes: [...stores.nodes.read().values()],
    deployments: [...stores.deployments.read().values()],
    replicasDesired: [...stores.replicasDesired.read().values()],
    replicasObserved: [...stores.replicasObserved.read().values()],
    routes: [...stores.routes.read().values()],
    certs: [...stores.certs.read().values()],
    challengeTokens: [...stores.challengeTokens.read().values()],
    tokens: [...stores.tokens.read().values()],
    joinTokens: [...stores.joinTokens.read().values()],
    subnets: [...stores.subnets.read().values()],
    rolloutPlans: [...stores.rolloutPlans.read().values()],
    replicaCounters: [...stores.replicaCounters.read().values()],
    restartCounters: [...stores.restartCounters.read().values()],
    auditEvents: [...stores.audit.read()],
    certBlobs: [...stores.certBlobs.read().values()],
    tcpRoutes: [...stores.tcpRoutes.read().values()],
    registryCredentials: [...stores.registryCredentials.read().values()],
  }).finish();
}

/**
 * Decodes snapshot bytes (without touching any store).
 *
 * @throws {SnapshotDecodeError} when the bytes are not an `FSMSnapshot`
 */
export function decodeSnapshot(bytes: Uint8Array): FSMSnapshot {
  try {
    return FSMSnapshot.decode(bytes);
  } catch (error) {
    throw new SnapshotDecodeError(`snapshot does not decode: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Replaces every store with a decoded snapshot's content (no events; the caller resyncs). */
export function loadSnapshot(stores: Stores, snapshot: FSMSnapshot): void {
  stores.clusterMeta = snapshot.cluster;
  stores.nodes.replaceAll(snapshot.nodes.map(canonicalNode));
  stores.deployments.replaceAll(snapshot.deployments.map(canonicalDeployment));
  stores.replicasDesired.replaceAll(snapshot.replicasDesired);
  stores.replicasObserved.replaceAll(snapshot.replicasObserved.map(canonicalObserved));
  stores.routes.replaceAll(snapshot.routes);
  stores.certs.replaceAll(snapshot.certs);
  stores.challengeTokens.replaceAll(snapshot.challengeTokens);
  stores.tokens.replaceAll(snapshot.tokens);
  stores.joinTokens.replaceAll(snapshot.joinTokens);
  stores.subnets.replaceAll(snapshot.subnets);
  stores.rolloutPlans.replaceAll(snapshot.rolloutPlans);
  stores.replicaCounters.replaceAll(snapshot.replicaCounters);
  stores.restartCounters.replaceAll(snapshot.restartCounters);
  stores.audit.replaceAll(snapshot.auditEvents.map(canonicalAuditEvent));
  stores.certBlobs.replaceAll(snapshot.certBlobs);
  stores.tcpRoutes.replaceAll(snapshot.tcpRoutes);
  stores.registryCredentials.replaceAll(snapshot.registryCredentials);
}
