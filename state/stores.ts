/**
 * Every store of the replicated state (rpc.md §2) with its broker (rpc.md §5), plus the broker
 * of the unstored replica command ledger.
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
  JoinToken,
  Node,
  RegistryCredential,
  ReplicaCommandIssue,
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
import { AuditLog, type AuditRetention } from "./audit_log.ts";
import { Broker, type BrokerOptions } from "./broker.ts";
import { EntityStore } from "./_entity_store.ts";
import { entityKeys } from "./keys.ts";
import { WatchEventKind } from "./watch_event.ts";

/** Name of every broker: the `Watch.Subscribe` entity type names plus the unstreamed stores. */
export const StoreName = {
  cluster_meta: "cluster_meta",
  nodes: "nodes",
  deployments: "deployments",
  replicas_desired: "replicas_desired",
  replicas_observed: "replicas_observed",
  routes: "routes",
  tcp_routes: "tcp_routes",
  certs: "certs",
  cert_blobs: "cert_blobs",
  challenge_tokens: "challenge_tokens",
  tokens: "tokens",
  join_tokens: "join_tokens",
  subnets: "subnets",
  rollout_plans: "rollout_plans",
  replica_counters: "replica_counters",
  restart_counters: "restart_counters",
  registry_credentials: "registry_credentials",
  audit: "audit",
  replica_commands: "replica_commands",
} as const;

/** One broker name. */
export type StoreName = typeof StoreName[keyof typeof StoreName];

/** The value type each broker carries. */
export interface StoreValues {
  cluster_meta: ClusterMeta;
  nodes: Node;
  deployments: Deployment;
  replicas_desired: ReplicaDesired;
  replicas_observed: ReplicaObserved;
  routes: Route;
  tcp_routes: TCPRoute;
  certs: Cert;
  cert_blobs: CertBlob;
  challenge_tokens: ChallengeToken;
  tokens: Token;
  join_tokens: JoinToken;
  subnets: Subnet;
  rollout_plans: RolloutPlan;
  replica_counters: ReplicaCounter;
  restart_counters: RestartCounter;
  registry_credentials: RegistryCredential;
  audit: AuditEvent;
  replica_commands: ReplicaCommandIssue;
}

/** Options of {@link Stores}. */
export interface StoresOptions extends BrokerOptions {
  auditRetention?: AuditRetention;
}

/** The typed stores. Mutated only by the FSM. */
export class Stores {
  readonly brokers: { readonly [N in StoreName]: Broker<StoreValues[N]> };
  clusterMeta: ClusterMeta | undefined;
  readonly nodes: EntityStore<Node>;
  readonly deployments: EntityStore<Deployment>;
  readonly replicasDesired: EntityStore<ReplicaDesired>;
  readonly replicasObserved: EntityStore<ReplicaObserved>;
  readonly routes: EntityStore<Route>;
  readonly tcpRoutes: EntityStore<TCPRoute>;
  readonly certs: EntityStore<Cert>;
  readonly certBlobs: EntityStore<CertBlob>;
  readonly challengeTokens: EntityStore<ChallengeToken>;
  readonly tokens: EntityStore<Token>;
  readonly joinTokens: EntityStore<JoinToken>;
  readonly subnets: EntityStore<Subnet>;
  readonly rolloutPlans: EntityStore<RolloutPlan>;
  readonly replicaCounters: EntityStore<ReplicaCounter>;
  readonly restartCounters: EntityStore<RestartCounter>;
  readonly registryCredentials: EntityStore<RegistryCredential>;
  readonly audit: AuditLog;

  constructor(options: StoresOptions = {}) {
    const broker = <N extends StoreName>(name: N) => new Broker<StoreValues[N]>(name, options);
    this.brokers = {
      cluster_meta: broker("cluster_meta"),
      nodes: broker("nodes"),
      deployments: broker("deployments"),
      replicas_desired: broker("replicas_desired"),
      replicas_observed: broker("replicas_observed"),
      routes: broker("routes"),
      tcp_routes: broker("tcp_routes"),
      certs: broker("certs"),
      cert_blobs: broker("cert_blobs"),
      challenge_tokens: broker("challenge_tokens"),
      tokens: broker("tokens"),
      join_tokens: broker("join_tokens"),
      subnets: broker("subnets"),
      rollout_plans: broker("rollout_plans"),
      replica_counters: broker("replica_counters"),
      restart_counters: broker("restart_counters"),
      registry_credentials: broker("registry_credentials"),
      audit: broker("audit"),
      replica_commands: broker("replica_commands"),
    };
    const brokers = this.brokers;
    const ownDeployment = <T extends { deployment: string }>(value: T) => value.deployment;
    this.nodes = new EntityStore({ keyOf: entityKeys.nodes, broker: brokers.nodes });
    this.deployments = new EntityStore({
      keyOf: entityKeys.deployments,
      deploymentOf: (deployment) => deployment.name,
      broker: brokers.deployments,
    });
    this.replicasDesired = new EntityStore({
      keyOf: entityKeys.replicas_desired,
      deploymentOf: ownDeployment,
      broker: brokers.replicas_desired,
    });
    this.replicasObserved = new EntityStore({
      keyOf: entityKeys.replicas_observed,
      deploymentOf: (replica) => this.deploymentOfReplica(replica.id),
      broker: brokers.replicas_observed,
    });
    this.routes = new EntityStore({
      keyOf: entityKeys.routes,
      deploymentOf: ownDeployment,
      broker: brokers.routes,
    });
    this.tcpRoutes = new EntityStore({
      keyOf: entityKeys.tcp_routes,
      deploymentOf: ownDeployment,
      broker: brokers.tcp_routes,
    });
    this.certs = new EntityStore({ keyOf: entityKeys.certs, broker: brokers.certs });
    this.certBlobs = new EntityStore({ keyOf: entityKeys.cert_blobs, broker: brokers.cert_blobs });
    this.challengeTokens = new EntityStore({
      keyOf: entityKeys.challenge_tokens,
      broker: brokers.challenge_tokens,
    });
    this.tokens = new EntityStore({ keyOf: entityKeys.tokens, broker: brokers.tokens });
    this.joinTokens = new EntityStore({
      keyOf: entityKeys.join_tokens,
      broker: brokers.join_tokens,
    });
    this.subnets = new EntityStore({
      keyOf: entityKeys.subnets,
      deploymentOf: ownDeployment,
      broker: brokers.subnets,
    });
    this.rolloutPlans = new EntityStore({
      keyOf: entityKeys.rollout_plans,
      deploymentOf: ownDeployment,
      broker: brokers.rollout_plans,
    });
    this.replicaCounters = new EntityStore({
      keyOf: entityKeys.replica_counters,
      deploymentOf: ownDeployment,
      broker: brokers.replica_counters,
    });
    this.restartCounters = new EntityStore({
      keyOf: entityKeys.restart_counters,
      deploymentOf: (counter) => this.deploymentOfReplica(counter.replicaId),
      broker: brokers.restart_counters,
    });
    this.registryCredentials = new EntityStore({
      keyOf: entityKeys.registry_credentials,
      broker: brokers.registry_credentials,
    });
    this.audit = new AuditLog(brokers.audit, options.auditRetention);
  }

  /** Deployment of a replica id, from its desired record (undefined when none). */
  deploymentOfReplica(replicaId: string): string | undefined {
    return this.replicasDesired.get(replicaId)?.deployment;
  }

  /** Sets the cluster meta singleton and publishes ADDED or UPDATED. */
  setClusterMeta(meta: ClusterMeta, raftIndex: number): void {
    const before = this.clusterMeta;
    this.clusterMeta = meta;
    this.brokers.cluster_meta.publish({
      kind: before ? WatchEventKind.UPDATED : WatchEventKind.ADDED,
      before,
      after: meta,
      raftIndex,
      revision: raftIndex,
    });
  }
}
