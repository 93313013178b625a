/**
 * Test harness of the scheduler: a real ClusterState fed with commands, plan() passes applied
 * as one Batch (like the leader loop), and a fake runtime that reports replicas.
 *
 * @module
 */
import {
  Command,
  type DeepPartial,
  NodeStatus,
  ReplicaState,
  ServiceSpec_PlacementMode as Mode,
} from "../proto/mod.ts";
import { ClusterState } from "../state/mod.ts";
import { plan, planBatch } from "./plan.ts";
import type { Plan } from "./types.ts";

/** A fixed base time. */
export const t0 = new Date("2026-03-01T12:00:00.000Z");

/** One service of a test deployment. */
export interface TestService {
  name: string;
  replicas?: number;
  placement?: Mode;
  hosts?: string[];
  image?: string;
  /** Extra compose keys (a spec change without an image change). */
  environment?: Record<string, string>;
}

/** A cluster state plus clock and liveness. */
export class Harness {
  readonly state = new ClusterState();
  index = 0;
  now = t0;
  live = new Set<string>();
  #revisions = new Map<string, number>();

  /** Applies one command payload at the next index. */
  apply(payload: DeepPartial<Command>["payload"], identity = "alice"): void {
    this.index++;
    const bytes = Command.encode(Command.fromPartial({
      clusterId: "c1",
      ts: this.now,
      identity,
      payload,
    })).finish();
    const outcome = this.state.apply(bytes, this.index);
    if (outcome.status === "rejected" || outcome.status === "undecodable") {
      throw new Error(`apply rejected: ${JSON.stringify(outcome)}`);
    }
  }

  /** Adds ready, live nodes. */
  nodes(...hostnames: string[]): void {
    for (const hostname of hostnames) {
      this.apply({ $case: "nodeJoin", value: { hostname, address: `${hostname}:7001` } });
      this.setNode(hostname, NodeStatus.NODE_STATUS_READY);
      this.live.add(hostname);
    }
  }

  /** Sets a node's status and details. */
  setNode(hostname: string, status: NodeStatus, details: Record<string, string> = {}): void {
    this.apply({ $case: "nodeStatusUpdate", value: { hostname, status, details } });
  }

  /** Applies the next revision of `name` with these services. */
  deploy(name: string, services: TestService[]): number {
    const revision = (this.#revisions.get(name) ?? 0) + 1;
    this.#revisions.set(name, revision);
    const lines = ["services:"];
    for (const service of services) {
      lines.push(`  ${service.name}:`, `    image: ${service.image ?? "img:1"}`);
      if (service.environment) {
        lines.push("    environment:");
        for (const [key, value] of Object.entries(service.environment)) {
          lines.push(`      ${key}: "${value}"`);
        }
      }
    }
    this.apply({
      $case: "deploymentApply",
      value: {
        deployment: name,
        revision,
        composeYaml: new TextEncoder().encode(lines.join("\n") + "\n"),
        services: services.map((service) => ({
          name: service.name,
          replicas: service.replicas ?? 1,
          placement: service.placement ?? Mode.PLACEMENT_MODE_SPREAD,
          hosts: service.hosts ?? [],
        })),
      },
    });
    return revision;
  }

  /** Runs one pass and applies its batch; returns the plan. */
  pass(): Plan {
    const result = plan({ view: this.state.view(), now: this.now, liveHosts: this.live });
    if (result.commands.length > 0) this.apply(planBatch(result), "scheduler");
    return result;
  }

  /** Passes until one plans nothing (at most `limit`). */
  settle(limit = 20): void {
    for (let i = 0; i < limit; i++) if (this.pass().commands.length === 0) return;
    throw new Error("scheduler did not settle");
  }

  /** Advances the clock. */
  advance(seconds: number): void {
    this.now = new Date(this.now.getTime() + seconds * 1000);
  }

  /** Reports an observation of a desired replica from its host. */
  observe(id: string, state: ReplicaState, code = ""): void {
    const desired = this.state.view().replicaDesired(id);
    if (!desired) throw new Error(`no desired replica ${id}`);
    this.apply({
      $case: "replicaObservedUpdate",
      value: {
        replica: {
          id,
          state,
          code,
          host: desired.host,
          lastHealthAt: this.now,
          startedAt: this.now,
        },
      },
    }, `node:${desired.host}`);
  }

  /** Fake runtime: every desired replica on a live host not yet running is reported running. */
  runAll(filter: (id: string) => boolean = () => true): void {
    for (const replica of this.state.view().replicasDesired()) {
      if (!this.live.has(replica.host) || !filter(replica.id)) continue;
      const observed = this.state.view().replicaObserved(replica.id);
      if (
        observed?.state === ReplicaState.REPLICA_STATE_RUNNING && observed.host === replica.host
      ) continue;
      this.observe(replica.id, ReplicaState.REPLICA_STATE_RUNNING);
    }
  }

  /** Passes + runAll until nothing changes. */
  converge(limit = 30): void {
    for (let i = 0; i < limit; i++) {
      const planned = this.pass().commands.length;
      const before = this.index;
      this.runAll();
      if (planned === 0 && this.index === before) return;
    }
    throw new Error("did not converge");
  }

  /** Desired replicas of a service: id → host. */
  placement(deployment: string, service: string): Record<string, string> {
    const result: Record<string, string> = {};
    for (const replica of this.state.view().replicasDesired({ deployment, service })) {
      result[replica.id] = replica.host;
    }
    return result;
  }

  /** Host → number of the service's replicas. */
  perHost(deployment: string, service: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const host of Object.values(this.placement(deployment, service))) {
      counts.set(host, (counts.get(host) ?? 0) + 1);
    }
    return counts;
  }
}

/** Payload cases of a plan, in order. */
export function cases(result: Plan): string[] {
  return result.commands.map((command) => command.$case);
}
