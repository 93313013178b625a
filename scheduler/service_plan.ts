/**
 * The diff of one replicated (spread / pack / hosts) service: desired vs. current records
 * (scheduling.md §3.1, §4, §6, §12, with the gaps fixed).
 *
 * Replicas are sorted into:
 * - good — current generation (image and spec hash of the applied revision) on an eligible host
 *   (sticky: never moved while that holds);
 * - dead — on a host the leader does not hear from: a stateless one is re-pointed in place to a
 *   fresh host (same id; the dead runtime stops its container when it returns); a pinned one
 *   (`hosts`) stays and the deployment is pending `cannot_satisfy_host_placement: <host>
 *   unreachable`, its stale observation replaced by `pending` with that code and reason;
 * - bad — older generation (rolling) or on a live host it may no longer use (draining, not
 *   ready, dropped from `hosts`: migrating).
 *
 * Make-before-break everywhere: replacements get NEW ids (index from the `ReplicaCounter`);
 * migrating and not-running bad replicas are replaced at once, running old-generation ones one
 * at a time (a step starts only when every good replica on a live host runs). A bad replica is
 * removed only when that keeps the record count ≥ replicas and, if it runs, the running count ≥
 * replicas. Scale-down removes surplus good replicas (spread: from the most crowded host first,
 * then highest index; others: highest index), never taking running ones below replicas, and for
 * spread never from a host already at the minimum while another holds more. A spread service
 * left uneven (a host with two more than the emptiest eligible host, e.g. after a dead node
 * returns) gets one extra replica on the emptiest host; the surplus rule then retires one from
 * the crowded host once it runs (the extra one is kept while it starts).
 *
 * @module
 */
import {
  type Deployment,
  type ReplicaDesired,
  ReplicaState,
  type ServiceSpec,
  ServiceSpec_PlacementMode as Mode,
} from "../proto/mod.ts";
import type { Pass } from "./_pass.ts";
import { bump, type HostCounts, packHost, pinnedHost, spreadHost } from "./placement.ts";
import { decideRoll } from "./rollout.ts";

/** Observation code of a pinned replica whose host is dead or removed. */
export const strandedCode = "cannot_satisfy_host_placement";

/** Image and spec hash the applied revision wants. */
export interface Generation {
  image: string;
  specHash: string;
}

/** Plans one non-global service; returns why placement is blocked, if it is. */
export function planService(
  pass: Pass,
  deployment: Deployment,
  spec: ServiceSpec,
  generation: Generation,
): string | undefined {
  const planner = new ServicePlanner(pass, deployment, spec, generation);
  return planner.run();
}

/**
 * A pinned replica whose host is dead: its last observation (often `running`) is stale, so it is
 * replaced once by `pending` / `cannot_satisfy_host_placement` with the reason as message, the
 * host and container kept. The host's runtime overwrites it with fresh observations on return.
 */
function markStranded(pass: Pass, replica: ReplicaDesired, reason: string): void {
  const observed = pass.observed.get(replica.id);
  if (
    observed?.state === ReplicaState.REPLICA_STATE_PENDING &&
    observed.code === strandedCode && observed.message === reason
  ) return;
  pass.add({
    $case: "replicaObservedUpdate",
    value: {
      replica: {
        id: replica.id,
        details: {},
        containerId: "",
        startedAt: undefined,
        lastHealthAt: undefined,
        ...observed,
        host: replica.host,
        state: ReplicaState.REPLICA_STATE_PENDING,
        code: strandedCode,
        message: reason,
      },
    },
  });
}

class ServicePlanner {
  readonly #pass: Pass;
  readonly #deployment: Deployment;
  readonly #spec: ServiceSpec;
  readonly #generation: Generation;
  readonly #mode: Mode;
  readonly #eligible: readonly string[];
  /** This service's replicas per host (all kept records + placements of this pass). */
  readonly #counts: HostCounts = new Map();
  readonly #good: ReplicaDesired[] = [];
  readonly #bad: { replica: ReplicaDesired; migrating: boolean }[] = [];
  readonly #dead: ReplicaDesired[] = [];
  /** Pinned replicas on dead hosts: kept, not running. */
  readonly #stranded: ReplicaDesired[] = [];
  #created = 0;
  /** Records of the service after this pass's writes so far. */
  #total = 0;
  /** Of which observed running on a live host. */
  #running = 0;

  constructor(pass: Pass, deployment: Deployment, spec: ServiceSpec, generation: Generation) {
    this.#pass = pass;
    this.#deployment = deployment;
    this.#spec = spec;
    this.#generation = generation;
    this.#mode = spec.placement === Mode.PLACEMENT_MODE_UNSPECIFIED
      ? Mode.PLACEMENT_MODE_SPREAD
      : spec.placement;
    this.#eligible = this.#pinned
      ? pass.cluster.eligible.filter((host) => spec.hosts.includes(host))
      : pass.cluster.eligible;
  }

  get #pinned(): boolean {
    return this.#mode === Mode.PLACEMENT_MODE_HOSTS;
  }

  run(): string | undefined {
    const pass = this.#pass;
    const wanted = this.#spec.replicas;
    const reasons: string[] = [];
    for (const replica of pass.serviceReplicas(this.#deployment.name, this.#spec.name)) {
      const state = pass.cluster.hostState(replica.host);
      const listed = !this.#pinned || this.#spec.hosts.includes(replica.host);
      if (state === "dead" && this.#pinned && listed) {
        this.#stranded.push(replica);
        const reason = `cannot_satisfy_host_placement: ${replica.host} ${
          pass.cluster.deadWord(replica.host)
        }`;
        reasons.push(reason);
        markStranded(pass, replica, reason);
      } else if (state === "dead") {
        this.#dead.push(replica);
        continue;
      } else if (state === "eligible" && listed) {
        if (this.#isCurrent(replica)) this.#good.push(replica);
        else this.#bad.push({ replica, migrating: false });
      } else {
        this.#bad.push({ replica, migrating: true });
      }
      bump(this.#counts, replica.host);
    }
    if (this.#pinned && this.#eligible.length + this.#stranded.length < wanted) {
      if (reasons.length > 0) return reasons.join("; ");
      return `service "${this.#spec.name}": only ${this.#eligible.length} eligible host(s) ` +
        `but ${wanted} replicas requested`;
    }
    const blocked = this.#place(wanted);
    if (blocked) reasons.push(blocked);
    return reasons.length > 0 ? reasons.join("; ") : undefined;
  }

  #isCurrent(replica: ReplicaDesired): boolean {
    return replica.image === this.#generation.image &&
      replica.specHash === this.#generation.specHash;
  }

  /** Re-points dead replicas, creates replacements and scale-ups; returns a blocking reason. */
  #place(wanted: number): string | undefined {
    const pass = this.#pass;
    let good = this.#good.length + this.#stranded.length;
    for (const replica of this.#dead) {
      if (good >= wanted) {
        pass.remove(replica);
        continue;
      }
      const host = this.#chooseHost(replica.id);
      if (host === undefined) return this.#noHost();
      pass.upsert({ ...replica, ...this.#generation, host }, replica.host);
      bump(this.#counts, host);
      this.#good.push({ ...replica, host });
      good++;
    }
    const rolling = this.#bad.filter((bad) => !bad.migrating);
    const rollingRunning = rolling.filter((bad) => pass.isRunning(bad.replica)).length;
    const immediate = Math.max(0, wanted - good - rollingRunning);
    for (let i = 0; i < immediate; i++) {
      if (!this.#create()) return this.#noHost();
      good++;
    }
    this.#total = good + this.#bad.length;
    this.#running = [...this.#good, ...this.#bad.map((bad) => bad.replica)]
      .filter((replica) => pass.isRunning(replica)).length;
    const kept = this.#retireBad(wanted);
    const roll = decideRoll(pass, this.#deployment, this.#spec.name, rolling.length);
    if (roll.allowed && immediate === 0 && good < wanted && this.#settled()) {
      const next = kept.find((bad) => !bad.migrating && pass.isRunning(bad.replica));
      if (!this.#create(next?.replica.host)) return this.#noHost();
      good++;
      this.#total++;
    }
    if (
      this.#mode === Mode.PLACEMENT_MODE_SPREAD && this.#bad.length === 0 && this.#created === 0 &&
      good === wanted && this.#settled() && this.#uneven()
    ) {
      this.#create();
      this.#total++;
    }
    this.#retireSurplus(wanted);
    return undefined;
  }

  /** True when every good replica on a live host runs (the rolling gate). */
  #settled(): boolean {
    return this.#good.every((replica) =>
      !this.#pass.cluster.isLive(replica.host) || this.#pass.isRunning(replica)
    );
  }

  /** Some host holds at least two more replicas than the emptiest eligible host. */
  #uneven(): boolean {
    return Math.max(0, ...this.#counts.values()) - this.#fewest() >= 2;
  }

  /** The fewest replicas of this service on an eligible host. */
  #fewest(): number {
    return Math.min(...this.#eligible.map((host) => this.#counts.get(host) ?? 0));
  }

  #noHost(): string {
    return `cannot_satisfy_host_placement: no eligible host for service "${this.#spec.name}"`;
  }

  #chooseHost(replicaId: string, preferred?: string): string | undefined {
    switch (this.#mode) {
      case Mode.PLACEMENT_MODE_PACK:
        return packHost(this.#eligible, this.#counts, this.#pass.load);
      case Mode.PLACEMENT_MODE_HOSTS:
        return pinnedHost(this.#eligible, this.#counts, replicaId, preferred);
      default:
        return spreadHost(this.#eligible, this.#counts, replicaId, preferred);
    }
  }

  /** Creates one new replica (new index); false when no host can take it. */
  #create(preferred?: string): boolean {
    const pass = this.#pass;
    const { name } = this.#deployment;
    const service = this.#spec.name;
    const index = pass.allocateIndex(this.#deployment, service);
    const id = `${name}-${service}-${index}`;
    const host = this.#chooseHost(id, preferred);
    if (host === undefined) return false;
    pass.upsert({ id, deployment: name, service, index, host, ...this.#generation });
    bump(this.#counts, host);
    this.#created++;
    return true;
  }

  /** True when removing `replica` keeps the record and running counts at `wanted`; counts it. */
  #canRemove(replica: ReplicaDesired, wanted: number): boolean {
    if (this.#total - 1 < wanted) return false;
    if (this.#pass.isRunning(replica)) {
      if (this.#running - 1 < wanted) return false;
      this.#running--;
    }
    this.#total--;
    return true;
  }

  /** Removes replaced bad replicas (not running first, migrating first, lowest index first). */
  #retireBad(wanted: number): { replica: ReplicaDesired; migrating: boolean }[] {
    const pass = this.#pass;
    const order = [...this.#bad].sort((a, b) =>
      Number(pass.isRunning(a.replica)) - Number(pass.isRunning(b.replica)) ||
      Number(b.migrating) - Number(a.migrating) || a.replica.index - b.replica.index
    );
    const kept = [];
    for (const bad of order) {
      if (!this.#canRemove(bad.replica, wanted)) {
        kept.push(bad);
        continue;
      }
      pass.remove(bad.replica);
      bump(this.#counts, bad.replica.host, -1);
    }
    return kept.sort((a, b) => a.replica.index - b.replica.index);
  }

  /** Removes good replicas beyond `wanted` (see module doc). */
  #retireSurplus(wanted: number): void {
    const surplus = this.#good.length + this.#stranded.length + this.#created - wanted;
    let removed = 0;
    for (const replica of this.#surplusOrder([...this.#good])) {
      if (removed >= surplus) break;
      if (this.#wouldUneven(replica)) continue;
      if (!this.#canRemove(replica, wanted)) continue;
      this.#pass.remove(replica);
      bump(this.#counts, replica.host, -1);
      removed++;
    }
  }

  /**
   * Spread only: removing `replica` would leave its host below the emptiest other eligible host
   * while a host holds more — e.g. the replica just placed on a returned host, still starting,
   * beside crowded hosts whose replicas all run (removing it would only re-create it: churn).
   */
  #wouldUneven(replica: ReplicaDesired): boolean {
    if (this.#mode !== Mode.PLACEMENT_MODE_SPREAD) return false;
    const count = this.#counts.get(replica.host) ?? 0;
    return count <= this.#fewest() && Math.max(0, ...this.#counts.values()) > count;
  }

  #surplusOrder(good: ReplicaDesired[]): ReplicaDesired[] {
    if (this.#mode !== Mode.PLACEMENT_MODE_SPREAD) {
      return good.sort((a, b) => b.index - a.index);
    }
    const counts = this.#counts;
    return good.sort((a, b) =>
      (counts.get(b.host) ?? 0) - (counts.get(a.host) ?? 0) || b.index - a.index
    );
  }
}
