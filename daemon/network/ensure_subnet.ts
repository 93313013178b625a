/**
 * Subnet allocation on the leader (networking.md §2.2): one {@link SubnetAllocator} per daemon,
 * shared by the `Internal.EnsureSubnet` handler and this node's own runtime, serializing
 * allocations behind one mutex and committing `SubnetAllocate` (identity `scheduler`).
 *
 * Decisions where the spec is silent:
 * - The allocator runs only while this member is the raft leader (checked inside the mutex);
 *   otherwise `no_leader` (retryable), so a stale leader never allocates.
 * - Missing fields are `validation_failed` (gRPC InvalidArgument) naming the field.
 * - `default` is stored as `_default` (the canonical name, §1).
 * - Exhaustion is logged at ERROR `ipam pool exhausted` once per (deployment, network, host)
 *   attempt burst: every failed call logs, the runtime stops asking after the first.
 *
 * @module
 */
import { JacoError } from "../../proto/errors.ts";
import { type Command, EnsureSubnetRequest, EnsureSubnetResponse } from "../../proto/mod.ts";
import {
  canonicalNetwork,
  findSubnet,
  nextFreeCidr,
  parsePool,
  type SubnetKey,
  utilization,
} from "../../net/mod.ts";
import type { StateView } from "../../state/mod.ts";
import type { DaemonLogger } from "../node/log.ts";
import { type LeaderForwardDeps, onLeader } from "../node/leader_forward.ts";

/** Identity of allocation commits (§2.2 step 5). */
export const allocatorIdentity = "scheduler";

/** What the allocator needs from the daemon. */
export interface SubnetAllocatorDeps {
  /** `ipam_pool` (validated /16). */
  pool(): string;
  /** Replicated state. */
  view(): Pick<StateView, "subnets" | "subnet">;
  /** True while this member is the raft leader. */
  isLeader(): boolean;
  /** Commits a command (resolves once applied locally on the leader). */
  submit(payload: Command["payload"], identity: string): Promise<unknown>;
  /** Logger. */
  log(): Pick<DaemonLogger, "info" | "warn" | "error">;
}

/** The leader's serialized allocator. */
export class SubnetAllocator {
  #deps: SubnetAllocatorDeps;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(deps: SubnetAllocatorDeps) {
    this.#deps = deps;
  }

  /**
   * Returns the /24 of the triple, allocating it when missing (idempotent).
   *
   * @throws {JacoError} `validation_failed` (missing field), `no_leader` (not the leader),
   *   `subnet_pool_exhausted`
   */
  allocate(request: SubnetKey): Promise<string> {
    for (const field of ["deployment", "network", "host"] as const) {
      if (!request[field]) {
        return Promise.reject(
          new JacoError("validation_failed", `EnsureSubnet: ${field} is required`, { field }),
        );
      }
    }
    const key = { ...request, network: canonicalNetwork(request.network) };
    const run = this.#lock.then(() => this.#allocate(key));
    this.#lock = run.catch(() => undefined);
    return run;
  }

  async #allocate(key: SubnetKey): Promise<string> {
    const log = this.#deps.log();
    if (!this.#deps.isLeader()) {
      throw new JacoError("no_leader", "subnet allocation runs on the raft leader only", {
        reason: "not_leader",
      });
    }
    const subnets = this.#deps.view().subnets();
    const existing = findSubnet(subnets, key);
    if (existing) return existing.cidr;
    let cidr: string;
    try {
      cidr = nextFreeCidr(parsePool(this.#deps.pool()), subnets, key);
    } catch (error) {
      if (error instanceof JacoError && error.code === "subnet_pool_exhausted") {
        log.error("ipam pool exhausted", { ...error.details });
      }
      throw error;
    }
    await this.#deps.submit({
      $case: "subnetAllocate",
      value: { deployment: key.deployment, network: key.network, cidr, host: key.host },
    }, allocatorIdentity);
    const held = this.#deps.view().subnets().length;
    const { ratio, level } = utilization(held);
    const fields = { ...key, cidr, allocated: held, utilization: Math.round(ratio * 100) / 100 };
    if (level === "error") log.error("subnet_pool_utilization critical", fields);
    else if (level === "warn") log.warn("subnet_pool_utilization high", fields);
    else log.info("subnet allocated", fields);
    return cidr;
  }
}

/** What {@link subnetService} needs besides the allocator's deps. */
export interface SubnetServiceDeps extends SubnetAllocatorDeps {
  /** Raft role and leader (for forwarding). */
  raft: LeaderForwardDeps["raft"];
  /** Replicated state (the leader's gRPC address). */
  view(): Pick<StateView, "subnets" | "subnet" | "node">;
  /** The member → leader call. */
  call: LeaderForwardDeps["call"];
}

/** `Internal.EnsureSubnet` for the handler table and for this node's runtime. */
export interface SubnetService {
  /** The RPC: allocate on the leader; a follower forwards (once) to the leader. */
  rpc(request: EnsureSubnetRequest, fromMember: boolean): Promise<EnsureSubnetResponse>;
  /** This node's runtime asking for a triple's /24 (local on the leader, else forwarded). */
  ensure(key: SubnetKey): Promise<string>;
}

/** One allocator per daemon, reached locally on the leader and over `Internal.EnsureSubnet`. */
export function subnetService(deps: SubnetServiceDeps): SubnetService {
  const allocator = new SubnetAllocator(deps);
  const rpc = (request: EnsureSubnetRequest, fromMember: boolean) =>
    onLeader<EnsureSubnetResponse>(deps, {
      path: "/jaco.v1.Internal/EnsureSubnet",
      request: EnsureSubnetRequest.fromPartial(request),
      origin: { fromMember },
    }, async () => EnsureSubnetResponse.fromPartial({ cidr: await allocator.allocate(request) }));
  return {
    rpc,
    ensure: async (key) => (await rpc(EnsureSubnetRequest.fromPartial(key), false)).cidr,
  };
}
