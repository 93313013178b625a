/**
 * Pure side of the per-(deployment, network, host) bridges (networking.md §1, §3): the Linux
 * bridge name, the Docker network create body, and what `ensureBridge` does with what Docker
 * already has.
 *
 * Decisions where the spec is silent:
 * - Docker's own masquerade and ICC defaults stay on (`enable_ip_masquerade` / `enable_icc`
 *   not set): containers reach the outside through their host, and same-bridge traffic is
 *   governed by nftables (§5), not by Docker's ICC switch. Pool-internal traffic is exempted
 *   from masquerade by the firewall (§5.1).
 * - The `jaco.host` label is added (like containers carry it), so a node tearing down its
 *   bridges never touches another node's networks when nodes share one Docker engine.
 * - A network whose `jaco.host` differs is drift too (recreated): a bridge created for another
 *   host's /24 must not serve this host.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { JacoLabel, networkNameOf } from "../runtime/mod.ts";
import { canonicalNetwork, gatewayOf } from "./ipam.ts";

/** Bridge MTU (leaves room for WireGuard overhead). */
export const bridgeMtu = 1420;

/** Label holding the CIDR a network was created with. */
export const subnetLabel = "jaco.subnet";

/** First 4 hex chars of SHA-1(`text`). */
export function h4(text: string): string {
  return createHash("sha1").update(text).digest("hex").slice(0, 4);
}

/** Linux bridge interface: `jaco-<h4(deployment)>-<h4(network)>` (14 chars). */
export function bridgeNameOf(deployment: string, network: string): string {
  return `jaco-${h4(deployment)}-${h4(canonicalNetwork(network))}`;
}

/** Docker network name: `jaco_<deployment>_<network>` (`_default` canonical). */
export function dockerNetworkOf(deployment: string, network: string): string {
  return networkNameOf(deployment, canonicalNetwork(network));
}

/** One bridge this host should have. */
export interface BridgeTarget {
  clusterId: string;
  deployment: string;
  network: string;
  host: string;
  cidr: string;
}

/** `POST /networks/create` body of a bridge (§1). */
export interface NetworkCreateBody {
  Name: string;
  Driver: "bridge";
  CheckDuplicate: true;
  Labels: Record<string, string>;
  IPAM: { Driver: "default"; Config: { Subnet: string; Gateway: string }[] };
  Options: Record<string, string>;
}

/** The create body of `target`'s Docker network. */
export function networkCreateBody(target: BridgeTarget): NetworkCreateBody {
  const network = canonicalNetwork(target.network);
  return {
    Name: dockerNetworkOf(target.deployment, network),
    Driver: "bridge",
    CheckDuplicate: true,
    Labels: {
      [JacoLabel.clusterId]: target.clusterId,
      [JacoLabel.deployment]: target.deployment,
      [JacoLabel.network]: network,
      [JacoLabel.host]: target.host,
      [subnetLabel]: target.cidr,
    },
    IPAM: { Driver: "default", Config: [{ Subnet: target.cidr, Gateway: gatewayOf(target.cidr) }] },
    Options: {
      "com.docker.network.bridge.name": bridgeNameOf(target.deployment, network),
      "com.docker.network.driver.mtu": String(bridgeMtu),
    },
  };
}

/** What ensureBridge reads of an existing Docker network. */
export interface ExistingNetwork {
  Name: string;
  Labels?: Record<string, string> | null;
  IPAM?: { Config?: { Subnet?: string }[] | null } | null;
  Options?: Record<string, string> | null;
}

/** What to do with the exact-name match (§3 steps 2–4). */
export type BridgeDecision = "create" | "reuse" | "refuse" | "recreate";

/** Decides from the exact-name match (`undefined` = none). */
export function bridgeDecision(
  existing: ExistingNetwork | undefined,
  target: BridgeTarget,
): BridgeDecision {
  if (!existing) return "create";
  const labels = existing.Labels ?? {};
  if (!labels[JacoLabel.deployment] || !labels[JacoLabel.network]) return "refuse";
  const subnets = (existing.IPAM?.Config ?? []).map((config) => config.Subnet ?? "");
  const wanted = networkCreateBody(target);
  const same = subnets.length === 1 && subnets[0] === target.cidr &&
    labels[JacoLabel.clusterId] === target.clusterId &&
    (labels[JacoLabel.host] ?? target.host) === target.host &&
    existing.Options?.["com.docker.network.bridge.name"] ===
      wanted.Options["com.docker.network.bridge.name"];
  return same ? "reuse" : "recreate";
}

/** A JACO network on this host as listed by Docker. */
export interface ListedNetwork {
  Id: string;
  Name: string;
  Labels?: Record<string, string> | null;
}

/**
 * The listed networks of `clusterId` created for `host` whose (deployment, network) has no
 * subnet for `host` in `subnetKeys` (keys `deployment\0network`): those to tear down.
 */
export function networksToRemove(
  listed: readonly ListedNetwork[],
  clusterId: string,
  host: string,
  subnetKeys: ReadonlySet<string>,
): ListedNetwork[] {
  return listed.filter((network) => {
    const labels = network.Labels ?? {};
    const deployment = labels[JacoLabel.deployment];
    const name = labels[JacoLabel.network];
    if (!deployment || !name || labels[subnetLabel] === undefined) return false;
    if (labels[JacoLabel.clusterId] !== clusterId) return false;
    if ((labels[JacoLabel.host] ?? host) !== host) return false;
    return !subnetKeys.has(`${deployment}\u0000${canonicalNetwork(name)}`);
  });
}
