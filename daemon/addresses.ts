/**
 * Bind + advertise address resolution (auth-and-config.md §9.2,
 * architecture.md §10). A pinned host (IP or hostname) is used verbatim for
 * both; an unspecified host (`0.0.0.0`, `::`, empty) is never bound as a
 * wildcard: one IPv4 address of this host is picked and used for both.
 *
 * Picking: up interfaces only, never virtual bridges (`docker0`,
 * `docker_gwbridge`, `br-*`, `veth*`, `virbr*`) nor addresses inside
 * `ipam_pool` (container bridges). Class 1 = RFC 1918 on a non-overlay
 * interface; class 2 = an RFC 1918 address on an overlay interface
 * (`tailscale*`, `tun*`, `tap*`, `wg*`, `jaco*`) or any CGNAT 100.64.0.0/10
 * address. Public, loopback, link-local and multicast addresses are never
 * candidates, whatever the interface (they are outside both ranges).
 * Lowest class wins, then interface name, then IP text (plain code-unit order).
 *
 * @module
 */

import { ErrorCode, JacoError } from "../proto/errors.ts";
import { type HostPort, isUnspecifiedHost } from "./host_port.ts";
import { ipv4InNetwork, parseIPv4, parseIPv4Cidr } from "./_config_ip.ts";
import type { DaemonConfig } from "./config.ts";
import { type LocalInterface, usableLocalIps } from "./local_ips.ts";

/** Where the daemon binds and what it advertises (the same `host:port` for both). */
export interface ResolvedAddresses {
  readonly listenAddr: HostPort;
  readonly clusterAddr: HostPort;
  /** The auto-detected address, when a configured host was unspecified. */
  readonly detected?: { readonly interfaceName: string; readonly address: string };
}

/**
 * Resolves `listen_addr` and `cluster_addr` against the host's interfaces.
 *
 * @throws {JacoError} `validation_failed` (`details.field` = the unspecified
 * key) when a host is unspecified and no interface qualifies, with the
 * message `auto-detect advertise IP: …; set listen_addr/cluster_addr in
 * /etc/jaco/jacod.yaml to a routable host:port`
 * @example
 * ```ts
 * const addresses = resolveAddresses(config, await readHostInterfaces());
 * Deno.listen({ hostname: addresses.clusterAddr.host, port: addresses.clusterAddr.port });
 * ```
 */
export function resolveAddresses(
  config: Pick<DaemonConfig, "listenAddr" | "clusterAddr" | "ipamPool">,
  interfaces: readonly LocalInterface[],
): ResolvedAddresses {
  const unspecified = [config.listenAddr, config.clusterAddr].some((a) =>
    isUnspecifiedHost(a.host)
  );
  if (!unspecified) return { listenAddr: config.listenAddr, clusterAddr: config.clusterAddr };
  const pick = pickAdvertiseAddress(interfaces, config.ipamPool);
  if ("reason" in pick) {
    const field = isUnspecifiedHost(config.listenAddr.host) ? "listen_addr" : "cluster_addr";
    throw new JacoError(
      ErrorCode.validation_failed,
      `auto-detect advertise IP: ${pick.reason}; set listen_addr/cluster_addr in /etc/jaco/jacod.yaml to a routable host:port`,
      { field },
    );
  }
  const pin = (address: HostPort) =>
    isUnspecifiedHost(address.host) ? { host: pick.address, port: address.port } : address;
  return {
    listenAddr: pin(config.listenAddr),
    clusterAddr: pin(config.clusterAddr),
    detected: pick,
  };
}

/**
 * The advertise address by the rules of the module doc, or why there is none.
 * Pure: the caller passes the interface list. The ordering is the one node
 * certificates use for their IP SANs ({@link usableLocalIps}), so the
 * advertised address is always one the certificate names.
 */
export function pickAdvertiseAddress(
  interfaces: readonly LocalInterface[],
  ipamPool: string,
): { interfaceName: string; address: string } | { reason: string } {
  const pool = parseIPv4Cidr(ipamPool);
  const address = usableLocalIps(interfaces)
    .find((ip) => !pool || !ipv4InNetwork(parseIPv4(ip)!, pool));
  // The same address may sit on several links (e.g. also on a down one): name the first up one.
  const face = interfaces
    .filter((entry) => entry.address === address && entry.up !== false)
    .sort((a, b) => compareText(a.name, b.name))[0];
  if (address !== undefined && face) return { interfaceName: face.name, address };
  const seen = interfaces.filter((entry) => entry.family === "IPv4")
    .map((entry) => `${entry.name} ${entry.address}${entry.up === false ? " (down)" : ""}`);
  return {
    reason: `no up interface has a private (RFC 1918) or overlay (100.64.0.0/10, tailscale*, ` +
      `tun*, tap*, wg*, jaco*) IPv4 address outside container bridges (IPv4 seen: ${
        seen.length > 0 ? seen.join(", ") : "none"
      })`,
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
