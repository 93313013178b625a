/**
 * The mutable context of one planning pass: the pre-indexed view, the commands gathered so far
 * (in apply order), replica index allocation from the `ReplicaCounter`s, the cluster-wide pack
 * load, logs and the earliest wake-up time.
 *
 * @module
 */
import {
  type Deployment,
  type ReplicaDesired,
  type ReplicaObserved,
  ReplicaState,
} from "../proto/mod.ts";
import type { StateView } from "../state/mod.ts";
import { ClusterFacts } from "./cluster_facts.ts";
import { bump, type HostCounts } from "./placement.ts";
import type { CommandPayload, PlanInput, PlanLog } from "./types.ts";

/** State of one pass (see module doc). */
export class Pass {
  readonly view: StateView;
  readonly now: Date;
  readonly cluster: ClusterFacts;
  readonly commands: CommandPayload[] = [];
  readonly logs: PlanLog[] = [];
  /** Desired replicas by deployment, then service. */
  readonly replicas = new Map<string, Map<string, ReplicaDesired[]>>();
  readonly observed: ReadonlyMap<string, ReplicaObserved>;
  /** Replicas of every service per host (pack load), kept current as the pass places. */
  readonly load: HostCounts = new Map();
  /** Ids removed by this pass. */
  readonly removed = new Set<string>();
  wakeAt: Date | undefined;
  readonly #nextIndex = new Map<string, number>();

  constructor(input: PlanInput) {
    this.view = input.view;
    this.now = input.now;
    this.cluster = new ClusterFacts(input.view.nodes(), input.liveHosts);
    this.observed = new Map(input.view.replicasObserved().map((o) => [o.id, o]));
    for (const replica of input.view.replicasDesired()) {
      let services = this.replicas.get(replica.deployment);
      if (!services) this.replicas.set(replica.deployment, services = new Map());
      let list = services.get(replica.service);
      if (!list) services.set(replica.service, list = []);
      list.push(replica);
      bump(this.load, replica.host);
    }
    for (const services of this.replicas.values()) {
      for (const list of services.values()) list.sort((a, b) => a.index - b.index);
    }
  }

  /** Desired replicas of one service, by index. */
  serviceReplicas(deployment: string, service: string): ReplicaDesired[] {
    return this.replicas.get(deployment)?.get(service) ?? [];
  }

  /** True when the replica is observed running on its desired host and that host is live. */
  isRunning(replica: ReplicaDesired): boolean {
    const observed = this.observed.get(replica.id);
    return observed !== undefined && observed.state === ReplicaState.REPLICA_STATE_RUNNING &&
      (observed.host === "" || observed.host === replica.host) &&
      this.cluster.isLive(replica.host);
  }

  /** Appends a command. */
  add(payload: CommandPayload): void {
    this.commands.push(payload);
  }

  /**
   * A new, never used index for (deployment, service): the counter's `next_index` (or past the
   * highest index in use, should the counter lag), with the matching increments queued.
   */
  allocateIndex(deployment: Deployment, service: string): number {
    const key = `${deployment.name}\u0000${service}`;
    let next = this.#nextIndex.get(key);
    if (next === undefined) {
      const counter = this.view.replicaCounter(deployment.name, service)?.nextIndex ?? 0;
      next = counter;
      for (const replica of this.serviceReplicas(deployment.name, service)) {
        next = Math.max(next, replica.index + 1);
      }
      for (let i = counter; i < next; i++) this.#increment(deployment.name, service);
    }
    this.#increment(deployment.name, service);
    this.#nextIndex.set(key, next + 1);
    return next;
  }

  /** Queues a desired upsert and counts it into the pack load. */
  upsert(replica: Omit<ReplicaDesired, "raftIndex">, previousHost?: string): void {
    if (previousHost !== undefined) bump(this.load, previousHost, -1);
    bump(this.load, replica.host);
    this.add({ $case: "replicaDesiredUpsert", value: { replica: { ...replica, raftIndex: 0 } } });
  }

  /** Queues a desired removal. */
  remove(replica: ReplicaDesired): void {
    bump(this.load, replica.host, -1);
    this.removed.add(replica.id);
    this.add({ $case: "replicaDesiredRemove", value: { id: replica.id } });
  }

  /** Remembers that the plan may change at `at` without a state change. */
  wakeNoLaterThan(at: Date): void {
    if (!this.wakeAt || at < this.wakeAt) this.wakeAt = at;
  }

  #increment(deployment: string, service: string): void {
    this.add({ $case: "replicaCounterIncrement", value: { deployment, service } });
  }
}
