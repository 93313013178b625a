/**
 * Step 4 of the start pipeline (scheduling.md §7.3, networking.md §3): for each network a
 * replica joins, ensure this host's /24 (from replicated state when already there, else
 * `Internal.EnsureSubnet` on the leader) and the bridge with that /24; returns the gateways
 * (the containers' DNS servers) in attach order.
 *
 * Decisions where the spec is silent:
 * - A subnet already in this node's replicated state is used without asking the leader (saves
 *   one RPC per network on every reconcile); a new one comes from the allocation's answer, never
 *   re-read from state (it may not have replicated yet).
 * - Networks are ensured one after another in attach order; the first error ends the step.
 * - Each /24 must be covered by this host's verified isolation ruleset before the step ends
 *   (`isolated`, fed by the firewall loop): no container runs unisolated on a fresh /24.
 *
 * @module
 */
import { canonicalNetwork, defaultNetwork, gatewayOf, type SubnetKey } from "../../net/mod.ts";
import type { BridgeDriver } from "../../net/mod.ts";
import type { StateView } from "../../state/mod.ts";

/** What {@link LocalNetworks} needs. */
export interface LocalNetworksDeps {
  /** This node's hostname. */
  nodeName: string;
  /** Replicated state. */
  view(): Pick<StateView, "subnet">;
  /** Ensures the triple's /24 (leader allocation, forwarded from followers); returns the CIDR. */
  ensureSubnet(key: SubnetKey): Promise<string>;
  /** Docker bridges of this host. */
  bridges: Pick<BridgeDriver, "ensure">;
  /**
   * Resolves once this host's isolation ruleset covers `cidr` (daemon/network/isolation_gate.ts);
   * absent = no gate.
   */
  isolated?(cidr: string): Promise<void>;
}

/** What one replica needs networked. */
export interface ReplicaNetworks {
  clusterId: string;
  deployment: string;
  /** Compose networks (`[]` = `_default`). */
  networks: readonly string[];
}

/** Prepares subnets and bridges of a replica's networks on this host. */
export class LocalNetworks {
  #deps: LocalNetworksDeps;

  constructor(deps: LocalNetworksDeps) {
    this.#deps = deps;
  }

  /**
   * Ensures every network's subnet and bridge; returns their gateway IPs in attach order.
   *
   * @throws {JacoError} `subnet_pool_exhausted` (terminal for the replica), anything else is
   *   transient (e.g. `no_leader`, a Docker error)
   */
  async prepare(input: ReplicaNetworks): Promise<string[]> {
    const names = input.networks.length > 0 ? input.networks : [defaultNetwork];
    const gateways: string[] = [];
    for (const name of names) {
      const network = canonicalNetwork(name);
      const key = { deployment: input.deployment, network, host: this.#deps.nodeName };
      const cidr = this.#deps.view().subnet(key.deployment, network, key.host)?.cidr ??
        await this.#deps.ensureSubnet(key);
      await this.#deps.bridges.ensure({ ...key, clusterId: input.clusterId, cidr });
      await this.#deps.isolated?.(cidr);
      gateways.push(gatewayOf(cidr));
    }
    return gateways;
  }
}
