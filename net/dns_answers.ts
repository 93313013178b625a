/**
 * DNS answer sets (networking.md §6.2), pure: which IPs a name resolves to inside one
 * (deployment, network) scope, computed from the replicated state.
 *
 * Decisions where the spec is silent or where we do better than the reference:
 * - "Healthy" = the replica's observation says `running` AND was made by the host the replica is
 *   placed on (a replica re-pointed away from a dead host stops answering at once) AND that host
 *   is a cluster member AND, when the caller knows liveness (the raft leader), the host is live.
 *   Observations are written on transitions only, so `last_health_at` age is never used (the
 *   reference's 10 s freshness rule would drop every healthy replica).
 * - A replica named by a `remove_from_routing` command is left out immediately (the caller
 *   passes those ids until the replica's next observation).
 * - `<service>` answers the local healthy replicas when any run on this node (no cross-host
 *   tromboning), else every healthy replica of the cluster; `<replica id>` (e.g. `web-api-2`)
 *   answers that replica's IP. A service name wins over an equal replica id.
 * - Names are lower-cased; the IP is the observation detail `ip.<docker network>`; an
 *   unparsable or missing IP skips the replica for that network only.
 *
 * @module
 */
import type { Deployment, Node, ReplicaDesired, ReplicaObserved } from "../proto/mod.ts";
import { ReplicaState } from "../proto/mod.ts";
import { dockerNetworkOf } from "./bridge.ts";
import { canonicalNetwork } from "./ipam.ts";

/** What the answer sets are computed from (a `StateView` satisfies it). */
export interface AnswerSource {
  /** Every deployment (for each service's networks). */
  deployments(): Deployment[];
  /** Every desired replica. */
  replicasDesired(): ReplicaDesired[];
  /** Every observation. */
  replicasObserved(): ReplicaObserved[];
  /** Every member node. */
  nodes(): Node[];
}

/** Inputs besides the state. */
export interface AnswerOptions {
  /** This node's hostname (local preference). */
  self: string;
  /** Live hosts when known (raft leader); `undefined` = every member presumed live. */
  liveHosts?: ReadonlySet<string>;
  /** Replicas taken out of routing by a `remove_from_routing` command. */
  removedFromRouting?: ReadonlySet<string>;
}

/** Names (lower-case) → IPv4 addresses (sorted) of one scope. */
export type ScopeAnswers = ReadonlyMap<string, readonly string[]>;

/** Scope key (`<deployment>/<network>`) → that scope's answers. */
export type AnswerSets = ReadonlyMap<string, ScopeAnswers>;

/** The key of a (deployment, network) scope in {@link AnswerSets}. */
export function scopeKey(deployment: string, network: string): string {
  return `${deployment}/${canonicalNetwork(network)}`;
}

/** True when `value` is a dotted-quad IPv4 address. */
export function isIPv4(value: string): boolean {
  const parts = value.split(".");
  return parts.length === 4 &&
    parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

/** The ids of the replicas that count as healthy (see the module doc). */
export function healthyReplicaIds(source: AnswerSource, options: AnswerOptions): Set<string> {
  const members = new Set(source.nodes().map((node) => node.hostname));
  const desired = new Map(source.replicasDesired().map((replica) => [replica.id, replica]));
  const healthy = new Set<string>();
  for (const observed of source.replicasObserved()) {
    const replica = desired.get(observed.id);
    if (!replica || observed.state !== ReplicaState.REPLICA_STATE_RUNNING) continue;
    if (observed.host !== replica.host || !members.has(replica.host)) continue;
    if (options.liveHosts && !options.liveHosts.has(replica.host)) continue;
    if (options.removedFromRouting?.has(replica.id)) continue;
    healthy.add(replica.id);
  }
  return healthy;
}

interface Entry {
  ip: string;
  host: string;
}

/**
 * Builds every scope's answers. Every (deployment, network) a service of an applied deployment
 * joins gets a scope, empty when nothing in it is healthy.
 *
 * @example
 * ```ts
 * const sets = buildAnswerSets(state.view(), { self: "node-1" });
 * sets.get(scopeKey("web", "_default"))?.get("api"); // ["10.244.0.2"]
 * ```
 */
export function buildAnswerSets(source: AnswerSource, options: AnswerOptions): AnswerSets {
  const networksOf = new Map<string, string[]>();
  const scopes = new Map<string, Map<string, readonly string[]>>();
  for (const deployment of source.deployments()) {
    for (const service of deployment.services) {
      const networks = service.networks.length === 0
        ? ["_default"]
        : service.networks.map(canonicalNetwork);
      networksOf.set(`${deployment.name}/${service.name}`, networks);
      for (const network of networks) {
        if (!scopes.has(scopeKey(deployment.name, network))) {
          scopes.set(scopeKey(deployment.name, network), new Map());
        }
      }
    }
  }
  const healthy = healthyReplicaIds(source, options);
  const observed = new Map(source.replicasObserved().map((entry) => [entry.id, entry]));
  const services = new Map<string, Map<string, Entry[]>>();
  for (const replica of source.replicasDesired()) {
    if (!healthy.has(replica.id)) continue;
    const details = observed.get(replica.id)?.details ?? {};
    for (const network of networksOf.get(`${replica.deployment}/${replica.service}`) ?? []) {
      const ip = details[`ip.${dockerNetworkOf(replica.deployment, network)}`];
      if (ip === undefined || !isIPv4(ip)) continue;
      const key = scopeKey(replica.deployment, network);
      const scope = scopes.get(key);
      if (!scope) continue;
      const byService = services.get(key) ?? new Map<string, Entry[]>();
      services.set(key, byService);
      const name = replica.service.toLowerCase();
      byService.set(name, [...(byService.get(name) ?? []), { ip, host: replica.host }]);
      const id = replica.id.toLowerCase();
      if (!scope.has(id)) scope.set(id, [ip]);
    }
  }
  for (const [key, byService] of services) {
    const scope = scopes.get(key)!;
    for (const [name, entries] of byService) {
      const local = entries.filter((entry) => entry.host === options.self);
      const chosen = local.length > 0 ? local : entries;
      scope.set(name, [...new Set(chosen.map((entry) => entry.ip))].sort());
    }
  }
  return scopes;
}
