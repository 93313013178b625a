/**
 * The entity type names `Watch.Subscribe` accepts in `entity_types` (rpc.md §5), each mapped to
 * the `SubscribeEvent.payload` case its events arrive in. `replica_commands` is JACO's addition:
 * the one-shot replica command ledger node agents consume.
 *
 * `ClusterMeta`, `CertBlob` and `RegistryCredential` have in-process brokers but no client stream:
 * they carry the CA key, certificate keys and registry secrets.
 *
 * @module
 */
import type { SubscribeEvent } from "./jaco/v1/watch.ts";

/** The payload case of a store-change event (every case but the stream `marker`). */
export type WatchPayloadCase = Exclude<NonNullable<SubscribeEvent["payload"]>["$case"], "marker">;

/** Entity type name → `SubscribeEvent.payload.$case`. */
export const WatchEntityType = {
  nodes: "node",
  deployments: "deployment",
  replicas_desired: "replicaDesired",
  replicas_observed: "replicaObserved",
  routes: "route",
  certs: "cert",
  challenge_tokens: "challengeToken",
  tokens: "token",
  join_tokens: "joinToken",
  audit: "audit",
  subnets: "subnet",
  rollout_plans: "rolloutPlan",
  replica_counters: "replicaCounter",
  restart_counters: "restartCounter",
  tcp_routes: "tcpRoute",
  replica_commands: "replicaCommand",
} as const satisfies Record<string, WatchPayloadCase>;

/** One entity type name. */
export type WatchEntityType = keyof typeof WatchEntityType;

/** True when `name` is an entity type `Watch.Subscribe` knows. */
export function isWatchEntityType(name: string): name is WatchEntityType {
  return Object.hasOwn(WatchEntityType, name);
}
