/**
 * Local address facts that need no X.509 code: IP literal checks and the choice of the local
 * IPv4 addresses a node certificate names (cluster.md §2 step 5). Split from `pki.ts` so the
 * daemon's startup path (advertise detection, host interfaces) does not load `@peculiar/x509`,
 * which only init, join, node join and restore need (loaded lazily there).
 *
 * @module
 */

/** True when `text` is a dotted-quad IPv4 address (no leading zeros). */
export function isIpv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 &&
    parts.every((part) => /^(0|[1-9][0-9]{0,2})$/.test(part) && Number(part) <= 255);
}

/** True when `text` is an IPv6 address (URL-parser check, so zone ids are rejected). */
export function isIpv6(text: string): boolean {
  if (!text.includes(":") || !/^[0-9A-Fa-f:.]+$/.test(text)) return false;
  return URL.canParse(`http://[${text}]/`);
}

/** The four octets of an IPv4 address (caller checked {@link isIpv4}). */
export function ipv4Octets(ip: string): [number, number, number, number] {
  const [a, b, c, d] = ip.split(".").map(Number);
  return [a, b, c, d];
}

/** One address of a network interface, as `Deno.networkInterfaces()` lists them. */
export interface LocalInterface {
  name: string;
  family: "IPv4" | "IPv6";
  address: string;
  /** False when the link is down; `Deno.networkInterfaces()` does not say, so absent means up. */
  up?: boolean;
}

// `jaco-*` are JACO's own container bridges (networking.md §1, `jaco-<h>-<h>`); they hold
// container gateways, not host addresses. `jaco0` (the WireGuard link) stays an overlay.
const VIRTUAL_BRIDGE = /^(docker0$|docker_gwbridge$|br-|veth|virbr|jaco-)/;
const OVERLAY = /^(tailscale|tun|tap|wg|jaco)/;

/** 1 = RFC 1918 on a non-overlay interface, 2 = overlay interface or CGNAT, undefined = not usable. */
function addressClass(face: LocalInterface): 1 | 2 | undefined {
  const [a, b] = ipv4Octets(face.address);
  const cgnat = a === 100 && b >= 64 && b <= 127;
  const rfc1918 = a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  if (!cgnat && !rfc1918) return undefined; // loopback, link-local, multicast, public, 0/8 …
  return OVERLAY.test(face.name) || cgnat ? 2 : 1;
}

/**
 * The local IPv4 addresses a node certificate names (cluster.md §2 step 5):
 * up interfaces only, no virtual bridges (`docker0`, `docker_gwbridge`,
 * `br-*`, `veth*`, `virbr*`, and JACO's container bridges `jaco-*`), and only private addresses (RFC 1918 or CGNAT
 * 100.64/10), which rules out loopback, link-local, multicast and public
 * ones. Ordered like advertise detection: RFC 1918 on a non-overlay interface
 * first, then overlay (`tailscale*`, `tun*`, `tap*`, `wg*`, `jaco*`) or
 * CGNAT, then by interface name and address; de-duplicated. The first
 * entry is therefore the address advertise detection picks for an
 * unspecified host (auth-and-config.md §9.2); none means "pin addresses".
 *
 * @example
 * ```ts
 * usableLocalIps(Deno.networkInterfaces()); // ["192.168.1.20", "100.101.7.3"]
 * ```
 */
export function usableLocalIps(interfaces: readonly LocalInterface[]): string[] {
  const candidates: { rank: 1 | 2; name: string; address: string }[] = [];
  for (const face of interfaces) {
    if (face.family !== "IPv4" || face.up === false || !isIpv4(face.address)) continue;
    if (VIRTUAL_BRIDGE.test(face.name)) continue;
    const rank = addressClass(face);
    if (rank !== undefined) candidates.push({ rank, name: face.name, address: face.address });
  }
  candidates.sort((x, y) =>
    x.rank - y.rank || compareText(x.name, y.name) || compareText(x.address, y.address)
  );
  return [...new Set(candidates.map((candidate) => candidate.address))];
}

function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
