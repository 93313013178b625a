/**
 * Canonical forms of stored values. ts-proto encodes map fields in object insertion order, so
 * maps are rebuilt with sorted keys before they are stored: snapshots of the same state are then
 * byte-identical whatever order a command or an older snapshot listed the entries in.
 *
 * @module
 */
import type { AuditEvent, Deployment, Node, ReplicaObserved } from "../proto/mod.ts";

/** A copy of a string map with its keys in ascending code-unit order. */
export function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) sorted[key] = record[key];
  return sorted;
}

/** Node with canonical maps. */
export function canonicalNode(node: Node): Node {
  return { ...node, statusDetails: sortedRecord(node.statusDetails) };
}

/** Deployment with canonical maps. */
export function canonicalDeployment(deployment: Deployment): Deployment {
  return { ...deployment, statusDetails: sortedRecord(deployment.statusDetails) };
}

/** Observation with canonical maps. */
export function canonicalObserved(replica: ReplicaObserved): ReplicaObserved {
  return { ...replica, details: sortedRecord(replica.details) };
}

/** Audit event with canonical maps. */
export function canonicalAuditEvent(event: AuditEvent): AuditEvent {
  return { ...event, payload: sortedRecord(event.payload) };
}
