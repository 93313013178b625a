/**
 * Docker object names and the labels JACO puts on what it creates (manifests.md §2.7, §2.9;
 * scheduling.md §5). One place so the projection, the orphan sweep and the logs lookup agree.
 *
 * Decisions where the spec is silent: networks and volumes carry `jaco.cluster_id` and
 * `jaco.deployment` (plus `jaco.network` / `jaco.volume`) so they can be found by label; the
 * container also carries `jaco.spec_hash` (the brief's addition to manifests.md §2.9) and
 * `jaco.host` (the node that created it), so the orphan sweep of one node never touches another
 * node's containers when several nodes share one Docker engine (local multi-daemon tests).
 *
 * @module
 */

/** Label keys JACO sets on containers, networks and volumes. */
export const JacoLabel = {
  clusterId: "jaco.cluster_id",
  deployment: "jaco.deployment",
  service: "jaco.service",
  replicaId: "jaco.replica_id",
  replicaIndex: "jaco.replica_index",
  raftIndex: "jaco.raft_index",
  specHash: "jaco.spec_hash",
  host: "jaco.host",
  network: "jaco.network",
  volume: "jaco.volume",
} as const;

/** Container name of a replica: `jaco_<replica id>`. */
export function containerNameOf(replicaId: string): string {
  return `jaco_${replicaId}`;
}

/**
 * Docker network of a (deployment, compose network): `jaco_<deployment>_<network>`; compose's
 * implicit `default` and JACO's `_default` are one network (`jaco_<deployment>__default`).
 */
export function networkNameOf(deployment: string, network: string): string {
  return `jaco_${deployment}_${network === "default" ? "_default" : network}`;
}
