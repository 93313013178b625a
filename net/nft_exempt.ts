/**
 * Docker-chain exemptions (networking.md §5.1) as pure data: which iptables rules must head
 * which chains, and whether a chain's `iptables -S` listing already starts with them.
 *
 * Decisions where the spec is silent:
 * - Rules are compared as the text `iptables -S` prints after `-A <chain> ` (iptables-nft prints
 *   `-s`/`-d` with their prefix length, as we write them), so an equal rule further down the
 *   chain does not count: Docker prepends its own rules later and ours must stay on top.
 * - The mesh subnet is the fixed `10.99.0.0/24` of §1.
 * - JACO's other top-of-chain rule in `DOCKER-USER` (the published-ports connmark ACCEPT, see
 *   net/published_ports_nft.ts) may sit above ours and is skipped when comparing the head: both
 *   are ACCEPTs, so their order does not change what passes, and two loops each insisting on
 *   being first would delete and re-insert rules every tick (briefly dropping overlay traffic).
 *
 * @module
 */

/** The WireGuard mesh subnet (networking.md §1). */
export const meshSubnet = "10.99.0.0/24";

/** One chain's wanted head. */
export interface ExemptionStep {
  /** Audit code on failure (`SNAT_EXEMPT_FAILED` / `OVERLAY_EXEMPT_FAILED`). */
  code: "SNAT_EXEMPT_FAILED" | "OVERLAY_EXEMPT_FAILED";
  table: "nat" | "raw" | "filter";
  chain: string;
  /** Rules as iptables arguments after the chain name, in wanted top-down order. */
  rules: string[][];
}

/** The §5.1 steps for `pool` (e.g. `10.244.0.0/16`). */
export function exemptionSteps(pool: string): ExemptionStep[] {
  const accept = [
    ["-s", pool, "-d", pool, "-j", "ACCEPT"],
    ["-s", meshSubnet, "-d", pool, "-j", "ACCEPT"],
  ];
  return [
    {
      code: "SNAT_EXEMPT_FAILED",
      table: "nat",
      chain: "POSTROUTING",
      rules: [["-s", pool, "-d", pool, "-j", "RETURN"]],
    },
    { code: "OVERLAY_EXEMPT_FAILED", table: "raw", chain: "PREROUTING", rules: accept },
    { code: "OVERLAY_EXEMPT_FAILED", table: "filter", chain: "DOCKER-USER", rules: accept },
  ];
}

/** The published-ports DOCKER-USER accept as `iptables -S` prints it (mark in hex). */
const jacoPeerRule = /^-m connmark --mark 0x6a610000\/0xfffffffc -j ACCEPT$/;

/** True when the chain's appended rules (from `iptables -S <chain>`) start with `rules`. */
export function headMatches(listing: string, chain: string, rules: readonly string[][]): boolean {
  const appended = listing.split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith(`-A ${chain} `))
    .map((line) => line.slice(`-A ${chain} `.length))
    .filter((rule) => !jacoPeerRule.test(rule));
  return rules.every((rule, i) => appended[i] === rule.join(" "));
}
