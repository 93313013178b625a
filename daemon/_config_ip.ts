/**
 * IP literal parsing for the daemon configuration: strict dotted-quad IPv4
 * (no leading zeros, no shorthand forms, like Go's `net.ParseIP`) and IPv6
 * canonicalised by the WHATWG URL parser, plus the CIDR arithmetic the
 * config rules and address selection need.
 *
 * @module
 */

const ipv4Pattern = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Parses a strict dotted-quad IPv4 literal into its 32-bit value, or `undefined`. */
export function parseIPv4(text: string): number | undefined {
  if (!ipv4Pattern.test(text)) return undefined;
  return text.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
}

/** Formats a 32-bit value as a dotted quad. */
export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/**
 * Canonical text of an IPv6 literal (without brackets), or `undefined`.
 * Zone ids (`fe80::1%eth0`) are not accepted: the URL parser has no notion
 * of them and no config value needs one.
 */
export function canonicalIPv6(text: string): string | undefined {
  if (!text.includes(":") || /[^0-9a-fA-F:.]/.test(text)) return undefined;
  try {
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    // Not a valid IPv6 literal: the URL parser is the validator here.
    return undefined;
  }
}

/**
 * The IPv4 value an address stands for: a dotted quad, or an IPv4-mapped
 * IPv6 literal (`::ffff:127.0.0.11`), which reaches the same host.
 */
export function ipv4ValueOf(text: string): number | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return v4;
  const v6 = canonicalIPv6(text);
  const mapped = v6 === undefined ? null : /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  return mapped ? parseInt(mapped[1], 16) * 65536 + parseInt(mapped[2], 16) : undefined;
}

/** An IPv4 network: base address value and prefix length. */
export interface IPv4Network {
  readonly base: number;
  readonly prefix: number;
}

/** Parses `a.b.c.d/n` (host bits may be set; they are masked off), or `undefined`. */
export function parseIPv4Cidr(text: string): IPv4Network | undefined {
  const m = /^([^/]+)\/(3[0-2]|[12]?\d)$/.exec(text);
  const address = m ? parseIPv4(m[1]) : undefined;
  if (!m || address === undefined) return undefined;
  const prefix = Number(m[2]);
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(address / size) * size, prefix };
}

/** Whether an IPv4 value lies inside a network. */
export function ipv4InNetwork(value: number, network: IPv4Network): boolean {
  const size = 2 ** (32 - network.prefix);
  return value >= network.base && value < network.base + size;
}

/** Shorthand for a network literal known to be valid. */
export function ipv4Network(text: string): IPv4Network {
  const network = parseIPv4Cidr(text);
  if (!network) throw new TypeError(`invalid built-in network literal ${text}`);
  return network;
}
