/**
 * The upstream resolvers of the per-bridge DNS responders
 * (auth-and-config.md §9.1, networking.md §6.4): `dns.forwarders` when set,
 * else every usable `nameserver` of the host's `/etc/resolv.conf`.
 *
 * @module
 */

import { forwarderLoopReason } from "./_config_fields.ts";
import { formatHostPort } from "./host_port.ts";
import { canonicalIPv6, parseIPv4 } from "./_config_ip.ts";
import type { DaemonConfig } from "./config.ts";

/** The effective upstreams, and the one startup warning when there are none. */
export interface ResolverForwarders {
  /** Normalised `host:port` upstreams, in order. */
  readonly forwarders: readonly string[];
  /** Set when `forwarders` is empty: log it once; external queries then answer SERVFAIL. */
  readonly warning?: string;
}

/**
 * Picks the upstream list. From resolv.conf: `nameserver` lines only,
 * comments (`#`, `;`) stripped, non-IP values skipped, Docker's `127.0.0.11`
 * and jaco bridge gateways (`10.244.*.1` and the configured pool's `*.1`)
 * dropped silently (they would loop), duplicates dropped, `:53` appended.
 *
 * @param resolvConfText the file's text; `undefined` when it could not be read
 * @example
 * ```ts
 * const { forwarders, warning } = resolverForwarders(config, await readTextFileIfExists("/etc/resolv.conf"));
 * if (warning) logger.warn(warning);
 * ```
 */
export function resolverForwarders(
  config: Pick<DaemonConfig, "dns" | "ipamPool">,
  resolvConfText: string | undefined,
): ResolverForwarders {
  if (config.dns.forwarders.length > 0) return { forwarders: config.dns.forwarders };
  const forwarders: string[] = [];
  for (const rawLine of (resolvConfText ?? "").split("\n")) {
    const [keyword, value] = rawLine.replace(/[#;].*$/, "").trim().split(/\s+/);
    if (keyword !== "nameserver" || value === undefined) continue;
    const host = parseIPv4(value) !== undefined ? value : canonicalIPv6(value);
    if (host === undefined || forwarderLoopReason(host, config.ipamPool)) continue;
    const upstream = formatHostPort({ host, port: 53 });
    if (!forwarders.includes(upstream)) forwarders.push(upstream);
  }
  if (forwarders.length > 0) return { forwarders };
  return {
    forwarders,
    warning: "dns: no upstream resolvers configured (dns.forwarders is empty and " +
      "/etc/resolv.conf has no usable nameserver); external names will get SERVFAIL",
  };
}
