/**
 * A read-only, consistent view of the replicated state at one raft index (Nomad's state
 * snapshot): the scheduler plans against it while the FSM keeps applying. Taking a view is O(1)
 * (stores copy their maps on the next write); every getter returns deep copies, so callers can
 * never change the state through it.
 *
 * @module
 */
import type {
  AuditEvent,
  Cert,
  CertBlob,
  ChallengeToken,
  ClusterMeta,
  Deployment,
  DeploymentRevision,
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
import type { FrozenStore } from "./_entity_store.ts";
import { compositeKey, hexOf, tcpRouteKey } from "./keys.ts";
import type { Stores } from "./stores.ts";

/** Optional equality filters of a lister (empty = no filter). */
export type ReplicaFilter = {
  deployment?: string;
  service?: string;
  host?: string;
};

/** Read-only view of the state at {@link StateView.raftIndex}. */
export class StateView {
  /** Raft index the view reflects. */
  readonly raftIndex: number;
  readonly #clusterMeta: ClusterMeta | undefined;
  readonly #nodes: FrozenStore<Node>;
  readonly #deployments: FrozenStore<Deployment>;
  readonly #desired: FrozenStore<ReplicaDesired>;
  readonly #observed: FrozenStore<ReplicaObserved>;
  readonly #routes: FrozenStore<Route>;
  readonly #tcpRoutes: FrozenStore<TCPRoute>;
  readonly #certs: FrozenStore<Cert>;
  readonly #certBlobs: FrozenStore<CertBlob>;
  readonly #challengeTokens: FrozenStore<ChallengeToken>;
  readonly #tokens: FrozenStore<Token>;
  readonly #joinTokens: FrozenStore<JoinToken>;
  readonly #subnets: FrozenStore<Subnet>;
  readonly #rolloutPlans: FrozenStore<RolloutPlan>;
  readonly #replicaCounters: FrozenStore<ReplicaCounter>;
  readonly #restartCounters: FrozenStore<RestartCounter>;
  readonly #registryCredentials: FrozenStore<RegistryCredential>;
  readonly #audit: readonly AuditEvent[];

  constructor(stores: Stores, raftIndex: number) {
    this.raftIndex = raftIndex;
    this.#clusterMeta = stores.clusterMeta;
    this.#nodes = stores.nodes.read();
    this.#deployments = stores.deployments.read();
    this.#desired = stores.replicasDesired.read();
    this.#observed = stores.replicasObserved.read();
    this.#routes = stores.routes.read();
    this.#tcpRoutes = stores.tcpRoutes.read();
    this.#certs = stores.certs.read();
    this.#certBlobs = stores.certBlobs.read();
    this.#challengeTokens = stores.challengeTokens.read();
    this.#tokens = stores.tokens.read();
    this.#joinTokens = stores.joinTokens.read();
    this.#subnets = stores.subnets.read();
    this.#rolloutPlans = stores.rolloutPlans.read();
    this.#replicaCounters = stores.replicaCounters.read();
    this.#restartCounters = stores.restartCounters.read();
    this.#registryCredentials = stores.registryCredentials.read();
    this.#audit = stores.audit.read();
  }

  /** Cluster identity and CA (undefined before init). */
  clusterMeta(): ClusterMeta | undefined {
    return copy(this.#clusterMeta);
  }

  /** One node. */
  node(hostname: string): Node | undefined {
    return copy(this.#nodes.get(hostname));
  }

  /** Every node, by hostname. */
  nodes(): Node[] {
    return list(this.#nodes);
  }

  /** One deployment. */
  deployment(name: string): Deployment | undefined {
    return copy(this.#deployments.get(name));
  }

  /** Every deployment, by name. */
  deployments(): Deployment[] {
    return list(this.#deployments);
  }

  /**
   * A revision of a deployment: the applied one or one kept in its history (`--revision N`).
   * Routes of the applied revision come from the route stores.
   */
  deploymentRevision(name: string, revision: number): DeploymentRevision | undefined {
    const deployment = this.#deployments.get(name);
    if (!deployment) return undefined;
    if (deployment.appliedRevision === revision) {
      return copy({
        revision,
        jacoYaml: deployment.jacoYaml,
        composeYaml: deployment.composeYaml,
        services: deployment.services,
        routes: list(this.#routes, (route) => route.deployment === name),
        tcpRoutes: list(this.#tcpRoutes, (route) => route.deployment === name),
        acmeEmail: deployment.acmeEmail,
        appliedAt: deployment.updatedAt,
      });
    }
    return copy(deployment.history.find((entry) => entry.revision === revision));
  }

  /** One desired replica. */
  replicaDesired(id: string): ReplicaDesired | undefined {
    return copy(this.#desired.get(id));
  }

  /** Desired replicas matching the filter, by id. */
  replicasDesired(filter: ReplicaFilter = {}): ReplicaDesired[] {
    return list(this.#desired, (replica) => matches(replica, filter));
  }

  /** One observation. */
  replicaObserved(id: string): ReplicaObserved | undefined {
    return copy(this.#observed.get(id));
  }

  /** Observations matching the filter (deployment/service via the desired record), by id. */
  replicasObserved(filter: ReplicaFilter = {}): ReplicaObserved[] {
    return list(this.#observed, (observed) => {
      if (filter.host && observed.host !== filter.host) return false;
      if (!filter.deployment && !filter.service) return true;
      const desired = this.#desired.get(observed.id);
      return desired !== undefined && matches(desired, { ...filter, host: undefined });
    });
  }

  /** One HTTP route. */
  route(domain: string, path: string): Route | undefined {
    return copy(this.#routes.get(compositeKey(domain, path)));
  }

  /** HTTP routes, by (domain, path), optionally of one deployment. */
  routes(filter: { deployment?: string } = {}): Route[] {
    return list(this.#routes, (route) => matches(route, filter));
  }

  /** One TCP route. */
  tcpRoute(publishedPort: number): TCPRoute | undefined {
    return copy(this.#tcpRoutes.get(tcpRouteKey(publishedPort)));
  }

  /** TCP routes, by published port, optionally of one deployment. */
  tcpRoutes(filter: { deployment?: string } = {}): TCPRoute[] {
    return list(this.#tcpRoutes, (route) => matches(route, filter));
  }

  /** One cert lock record. */
  cert(name: string): Cert | undefined {
    return copy(this.#certs.get(name));
  }

  /** Every cert lock record, by name. */
  certs(): Cert[] {
    return list(this.#certs);
  }

  /** One certificate storage blob. */
  certBlob(key: string): CertBlob | undefined {
    return copy(this.#certBlobs.get(key));
  }

  /** Certificate storage blobs whose key starts with `prefix`, by key. */
  certBlobs(prefix = ""): CertBlob[] {
    return list(this.#certBlobs, (blob) => blob.key.startsWith(prefix));
  }

  /** One ACME challenge token. */
  challengeToken(token: string): ChallengeToken | undefined {
    return copy(this.#challengeTokens.get(token));
  }

  /** Every challenge token, by token. */
  challengeTokens(): ChallengeToken[] {
    return list(this.#challengeTokens);
  }

  /** One operator token. */
  token(identity: string): Token | undefined {
    return copy(this.#tokens.get(identity));
  }

  /** Every operator token, by identity. */
  tokens(): Token[] {
    return list(this.#tokens);
  }

  /** One join token by its hashed secret. */
  joinToken(hashedSecret: Uint8Array): JoinToken | undefined {
    return copy(this.#joinTokens.get(hexOf(hashedSecret)));
  }

  /** Every join token, by hex(hashed_secret). */
  joinTokens(): JoinToken[] {
    return list(this.#joinTokens);
  }

  /** One subnet. */
  subnet(deployment: string, network: string, host: string): Subnet | undefined {
    return copy(this.#subnets.get(compositeKey(deployment, network, host)));
  }

  /** Subnets matching the filter, by (deployment, network, host). */
  subnets(filter: { deployment?: string; network?: string; host?: string } = {}): Subnet[] {
    return list(this.#subnets, (subnet) => matches(subnet, filter));
  }

  /** One rollout plan. */
  rolloutPlan(deployment: string, service: string): RolloutPlan | undefined {
    return copy(this.#rolloutPlans.get(compositeKey(deployment, service)));
  }

  /** Rollout plans, by (deployment, service), optionally of one deployment. */
  rolloutPlans(filter: { deployment?: string } = {}): RolloutPlan[] {
    return list(this.#rolloutPlans, (plan) => matches(plan, filter));
  }

  /** One replica counter. */
  replicaCounter(deployment: string, service: string): ReplicaCounter | undefined {
    return copy(this.#replicaCounters.get(compositeKey(deployment, service)));
  }

  /** Every replica counter, by (deployment, service). */
  replicaCounters(): ReplicaCounter[] {
    return list(this.#replicaCounters);
  }

  /** One restart counter. */
  restartCounter(replicaId: string): RestartCounter | undefined {
    return copy(this.#restartCounters.get(replicaId));
  }

  /** Every restart counter, by replica id. */
  restartCounters(): RestartCounter[] {
    return list(this.#restartCounters);
  }

  /** One registry credential by canonical key. */
  registryCredential(registry: string): RegistryCredential | undefined {
    return copy(this.#registryCredentials.get(registry));
  }

  /** Every registry credential, by canonical key. */
  registryCredentials(): RegistryCredential[] {
    return list(this.#registryCredentials);
  }

  /** The retained audit log, raft order. */
  auditEvents(): AuditEvent[] {
    return this.#audit.map((event) => structuredClone(event));
  }
}

function copy<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}

function list<T>(store: FrozenStore<T>, keep: (value: T) => boolean = () => true): T[] {
  const result: T[] = [];
  for (const value of store.values()) if (keep(value)) result.push(structuredClone(value));
  return result;
}

/** True when every non-empty filter field equals the value's field. */
function matches(value: object, filter: Readonly<Record<string, string | undefined>>): boolean {
  const fields = value as Record<string, unknown>;
  for (const [field, wanted] of Object.entries(filter)) {
    if (wanted && fields[field] !== wanted) return false;
  }
  return true;
}
