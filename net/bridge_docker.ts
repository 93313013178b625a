/**
 * The I/O side of the bridges (networking.md §3): ensure and tear down this host's
 * per-(deployment, network) Docker networks through the Docker Engine API (dockerode on the
 * engine's unix socket, like runtime/'s engine).
 *
 * Decisions where the spec is silent:
 * - One mutex per {@link DockerBridges} instance serializes ensure and teardown, so concurrent
 *   replica starts never create one network twice and a teardown never races a create.
 * - Creating a network first removes any other JACO network of this engine labelled with the
 *   same /24 (and its containers): replicated state gave that /24 to the new scope, so the old
 *   network is a leftover of a deleted or dropped scope still stopping — without this, a delete
 *   followed at once by an apply would fail with Docker's "pool overlaps" until the teardown.
 * - Teardown removes a network only when no container is attached (Docker refuses otherwise);
 *   a network still in use is retried on the next teardown pass, so containers are never
 *   disrupted by GC — their replica's removal comes first.
 *
 * @module
 */
import Docker from "dockerode";
import { JacoError } from "../proto/errors.ts";
import { JacoLabel } from "../runtime/mod.ts";
import {
  bridgeDecision,
  type BridgeTarget,
  type ExistingNetwork,
  type ListedNetwork,
  networkCreateBody,
  subnetLabel,
} from "./bridge.ts";

/** The bridge operations the runtime and the teardown loop need (faked in tests). */
export interface BridgeDriver {
  /**
   * Ensures `target`'s Docker network with exactly its /24 (§3); returns the network name.
   *
   * @throws {JacoError} `validation_failed` when an operator network holds the name
   */
  ensure(target: BridgeTarget): Promise<string>;
  /** JACO bridge networks on this engine (label `jaco.subnet`). */
  list(): Promise<ListedNetwork[]>;
  /** Removes a network if nothing is attached; false when it was kept (in use). */
  remove(id: string): Promise<boolean>;
}

interface Inspected extends ExistingNetwork {
  Id: string;
  Containers?: Record<string, unknown> | null;
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/** Logger subset. */
export interface BridgeLog {
  info(message: string, fields?: Record<string, unknown>): void;
}

/** A {@link BridgeDriver} on the Docker engine at `socketPath`. */
export class DockerBridges implements BridgeDriver {
  #docker: Docker;
  #log: BridgeLog;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(socketPath: string, log: BridgeLog) {
    this.#docker = new Docker({ socketPath });
    this.#log = log;
  }

  #serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(task, task);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  ensure(target: BridgeTarget): Promise<string> {
    return this.#serialised(async () => {
      const body = networkCreateBody(target);
      const listed = await this.#docker.listNetworks({ filters: { name: [body.Name] } }) as {
        Id: string;
        Name: string;
      }[];
      const match = listed.find((network) => network.Name === body.Name);
      const existing = match
        ? await this.#docker.getNetwork(match.Id).inspect() as Inspected
        : undefined;
      const decision = bridgeDecision(existing, target);
      if (decision === "reuse") return body.Name;
      if (decision === "refuse") {
        throw new JacoError(
          "validation_failed",
          `docker network ${body.Name} exists but has no jaco.* labels; not touching it`,
          { network: body.Name },
        );
      }
      if (decision === "recreate" && existing) {
        this.#log.info("bridge drift detected, recreating", {
          network: body.Name,
          live_subnet: existing.IPAM?.Config?.[0]?.Subnet ?? "",
          cidr: target.cidr,
        });
        await this.#removeWithContainers(existing.Id);
      }
      await this.#removeStaleHolders(body.Name, target.cidr);
      await this.#docker.createNetwork(body);
      return body.Name;
    });
  }

  /**
   * Removes other JACO networks of this engine created with `cidr` (state gave the /24 to a new
   * scope, so they are left from a deleted or dropped one whose containers are still stopping
   * or orphaned); Docker would refuse the new network as overlapping.
   */
  async #removeStaleHolders(name: string, cidr: string): Promise<void> {
    const holders = await this.#docker.listNetworks({
      filters: { label: [`${subnetLabel}=${cidr}`] },
    }) as { Id: string; Name: string }[];
    for (const holder of holders.filter((network) => network.Name !== name)) {
      this.#log.info("stale bridge holds the subnet, removing", {
        network: holder.Name,
        cidr,
        for: name,
      });
      await this.#removeWithContainers(holder.Id);
    }
  }

  async #removeWithContainers(id: string): Promise<void> {
    const network = this.#docker.getNetwork(id);
    const inspected = await network.inspect() as Inspected;
    for (const container of Object.keys(inspected.Containers ?? {})) {
      const handle = this.#docker.getContainer(container);
      await handle.stop({ t: 10 }).catch(() => undefined);
      await handle.remove({ force: true, v: true }).catch(() => undefined);
    }
    await network.remove().catch((error: unknown) => {
      if (statusOf(error) !== 404) throw error;
    });
  }

  async list(): Promise<ListedNetwork[]> {
    const listed = await this.#docker.listNetworks({
      filters: { label: [subnetLabel, JacoLabel.deployment] },
    }) as ListedNetwork[];
    return listed.map(({ Id, Name, Labels }) => ({ Id, Name, Labels }));
  }

  remove(id: string): Promise<boolean> {
    return this.#serialised(async () => {
      let inspected: Inspected;
      try {
        inspected = await this.#docker.getNetwork(id).inspect() as Inspected;
      } catch (error) {
        if (statusOf(error) === 404) return true;
        throw error;
      }
      if (Object.keys(inspected.Containers ?? {}).length > 0) return false;
      try {
        await this.#docker.getNetwork(id).remove();
      } catch (error) {
        if (statusOf(error) === 404) return true;
        if (statusOf(error) === 403) return false; // endpoints attached meanwhile
        throw error;
      }
      return true;
    });
  }
}
