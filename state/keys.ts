/**
 * Store keys of the replicated entities (rpc.md §2): composite keys join their parts with a NUL
 * byte, so plain string comparison sorts them part by part (NUL sorts before every other
 * character) and no part can forge another key's boundary.
 *
 * @module
 */
import type {
  Cert,
  CertBlob,
  ChallengeToken,
  Deployment,
  JoinToken,
  Node,
  RegistryCredential,
  ReplicaCounter,
  ReplicaDesired,
  ReplicaObserved,
  RestartCounter,
  RolloutPlan,
  Route,
  Subnet,
  TCPRoute,
  Token,
} from "../proto/mod.ts";

/** The separator of composite key parts. */
export const keySeparator = "\u0000";

/** Joins key parts with NUL: `compositeKey("web", "/api")` → `"web\u0000/api"`. */
export function compositeKey(...parts: readonly string[]): string {
  return parts.join(keySeparator);
}

/** Lower-case hex of bytes (JoinToken keys are hex(hashed_secret)). */
export function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * TCP route keys are the published port, zero-padded so string order equals numeric order.
 */
export function tcpRouteKey(publishedPort: number): string {
  return String(publishedPort).padStart(10, "0");
}

/** Key functions of every keyed entity, by store name. */
export const entityKeys = {
  nodes: (node: Node) => node.hostname,
  deployments: (deployment: Deployment) => deployment.name,
  replicas_desired: (replica: ReplicaDesired) => replica.id,
  replicas_observed: (replica: ReplicaObserved) => replica.id,
  routes: (route: Route) => compositeKey(route.domain, route.path),
  tcp_routes: (route: TCPRoute) => tcpRouteKey(route.publishedPort),
  certs: (cert: Cert) => cert.domain,
  cert_blobs: (blob: CertBlob) => blob.key,
  challenge_tokens: (token: ChallengeToken) => token.token,
  tokens: (token: Token) => token.identity,
  join_tokens: (token: JoinToken) => hexOf(token.hashedSecret),
  subnets: (subnet: Subnet) => compositeKey(subnet.deployment, subnet.network, subnet.host),
  rollout_plans: (plan: RolloutPlan) => compositeKey(plan.deployment, plan.service),
  replica_counters: (counter: ReplicaCounter) => compositeKey(counter.deployment, counter.service),
  restart_counters: (counter: RestartCounter) => counter.replicaId,
  registry_credentials: (credential: RegistryCredential) => credential.registry,
} as const;
