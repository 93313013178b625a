/**
 * Typed readers and per-key rules of `jacod.yaml` (auth-and-config.md §9.1).
 * Each throws {@link ConfigIssue} naming the dotted field; `config.ts` turns
 * the first issue into the user-facing `validation_failed` error, adding the
 * file it came from.
 *
 * @module
 */

import { formatDuration, parseSignedDurationMs } from "./_config_duration.ts";
import { formatHostPort, type HostPort, parseHostPort } from "./host_port.ts";
import { formatIPv4, ipv4InNetwork, ipv4ValueOf, parseIPv4Cidr } from "./_config_ip.ts";

/**
 * One rule violation: the dotted field and the full message (spec wording).
 * Values in messages are JSON-quoted, which reads as the spec's `"<v>"` and
 * keeps a value with a newline or quote from breaking the one-line message.
 */
export class ConfigIssue extends Error {
  constructor(readonly field: string, message: string, readonly value?: string) {
    super(message);
    this.name = "ConfigIssue";
  }
}

/** A short description of a YAML value for "wrong type" messages. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function wrongType(field: string, expected: string, value: unknown): ConfigIssue {
  return new ConfigIssue(field, `${field} must be ${expected} (got ${describe(value)})`);
}

/** A string value. */
export function readString(value: unknown, field: string): string {
  if (typeof value !== "string") throw wrongType(field, "a string", value);
  return value;
}

/** A non-empty string (the spec's "required" keys). */
export function readRequiredString(value: unknown, field: string): string {
  const text = readString(value, field);
  if (text.trim() === "") throw new ConfigIssue(field, `${field} is required`, text);
  return text;
}

/** A boolean (YAML 1.2: `true`/`false` only; `yes`/`on` are strings and refused). */
export function readBool(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw wrongType(field, "true or false", value);
  return value;
}

/** A list of strings. */
export function readStringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw wrongType(field, "a list of strings", value);
  return value.map((item, index) => readString(item, `${field}[${index}]`));
}

/**
 * A duration string in milliseconds. A bare integer `0` is accepted as "unset"
 * (the spec's `0 ⇒ default`); other numbers are refused because their unit
 * would be a guess.
 */
export function readDurationMs(value: unknown, field: string): number {
  if (value === 0) return 0;
  const ms = typeof value === "string" ? parseSignedDurationMs(value) : undefined;
  if (ms === undefined) throw wrongType(field, 'a duration such as "30s" or "1m30s"', value);
  return ms;
}

/** `wg_port`: an integer in 1–65535. */
export function readWgPort(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw wrongType("wg_port", "an integer", value);
  }
  if (value < 1 || value > 65535) {
    throw new ConfigIssue("wg_port", `wg_port ${value} is out of range`, String(value));
  }
  return value;
}

const nodeNamePattern = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** `node_name`: a DNS label, so it can name certificates, raft ids and hostnames. */
export function checkNodeName(name: string, field: string): string {
  if (name.length > 63 || !nodeNamePattern.test(name)) {
    throw new ConfigIssue(
      field,
      `${field} ${
        JSON.stringify(name)
      } must be a DNS label (lowercase letters, digits and '-', at most 63 characters)`,
      name,
    );
  }
  return name;
}

/** `listen_addr` / `cluster_addr`: `host:port`, port required. */
export function readAddress(value: unknown, field: string): HostPort {
  const text = readRequiredString(value, field);
  const parsed = parseHostPort(text);
  if (!parsed.ok) {
    throw new ConfigIssue(field, `${field} ${JSON.stringify(text)} ${parsed.reason}`, text);
  }
  return parsed.value;
}

/** `ipam_pool`: an IPv4 CIDR of exactly /16, returned as its network (`10.244.0.0/16`). */
export function readIpamPool(value: unknown): string {
  const text = readRequiredString(value, "ipam_pool");
  const network = parseIPv4Cidr(text);
  if (!network) {
    throw new ConfigIssue(
      "ipam_pool",
      `ipam_pool ${JSON.stringify(text)} must be an IPv4 CIDR`,
      text,
    );
  }
  if (network.prefix !== 16) {
    throw new ConfigIssue(
      "ipam_pool",
      `ipam_pool ${JSON.stringify(text)} must be a /16 (got /${network.prefix})`,
      text,
    );
  }
  return `${formatIPv4(network.base)}/16`;
}

/** Bounds of `node_status_interval` (inclusive). */
export const nodeStatusIntervalBoundsMs = { min: 5_000, max: 300_000 } as const;

/** `node_status_interval`: within [5s, 5m] (no clamping); `0` means the default. */
export function checkNodeStatusInterval(ms: number): number {
  const { min, max } = nodeStatusIntervalBoundsMs;
  if (ms !== 0 && (ms < min || ms > max)) {
    throw new ConfigIssue(
      "node_status_interval",
      `node_status_interval ${formatDuration(ms)} must be between ${formatDuration(min)} and ${
        formatDuration(max)
      }`,
      formatDuration(ms),
    );
  }
  return ms;
}

/** `dns.forwarder_timeout`: `>= 0` (`0` means the default). */
export function checkForwarderTimeout(ms: number): number {
  if (ms < 0) {
    throw new ConfigIssue(
      "dns.forwarder_timeout",
      `dns.forwarder_timeout ${formatDuration(ms)} must be >= 0`,
      formatDuration(ms),
    );
  }
  return ms;
}

/** `acme_ca`: empty (use the default) or an `https` URL with a host. */
export function checkAcmeCa(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // Unparseable is reported by the message below, like a wrong scheme.
  }
  // The WHATWG parser repairs `https:///dir` into host `dir`; an operator's URL must name its host.
  const namesHost = /^https:\/\/[^/\\]/i.test(text);
  if (text !== "" && (url?.protocol !== "https:" || url.hostname === "" || !namesHost)) {
    throw new ConfigIssue("acme_ca", `acme_ca ${JSON.stringify(text)} must be an https URL`, text);
  }
  return text;
}

const dockerEmbeddedDns = ipv4ValueOf("127.0.0.11") as number;
const referencePool = parseIPv4Cidr("10.244.0.0/16")!;

/**
 * Why forwarding to this host would loop back into JACO's own DNS path, or
 * `undefined`. Docker's embedded resolver (`127.0.0.11`) and every bridge
 * gateway `x.y.*.1` of the default pool and of the configured `ipam_pool`
 * (each runs a per-bridge responder) are refused; hostnames are never judged.
 */
export function forwarderLoopReason(host: string, ipamPool: string): string | undefined {
  const value = ipv4ValueOf(host);
  if (value === undefined) return undefined;
  if (value === dockerEmbeddedDns) return "is Docker's embedded DNS (forwarding loop)";
  const isGateway = value % 256 === 1 &&
    [referencePool, parseIPv4Cidr(ipamPool)!].some((pool) => ipv4InNetwork(value, pool));
  return isGateway ? "is a jaco bridge DNS responder (forwarding loop)" : undefined;
}

/**
 * `dns.forwarders`: each `host[:port]` normalised to `host:port` (`:53`
 * appended, bare IPv6 bracketed), loops refused, duplicates dropped (a
 * repeated upstream would only double the failover time).
 */
export function checkForwarders(entries: readonly string[], ipamPool: string): string[] {
  const normalized: string[] = [];
  entries.forEach((entry, index) => {
    const field = `dns.forwarders[${index}]`;
    const parsed = parseHostPort(entry.trim(), 53);
    if (!parsed.ok) {
      const reason = parsed.reason === "must be host:port" ? "must be host[:port]" : parsed.reason;
      throw new ConfigIssue(field, `${field} ${JSON.stringify(entry)} ${reason}`, entry);
    }
    const loop = forwarderLoopReason(parsed.value.host, ipamPool);
    if (loop) throw new ConfigIssue(field, `${field} ${JSON.stringify(entry)} ${loop}`, entry);
    const text = formatHostPort(parsed.value);
    if (!normalized.includes(text)) normalized.push(text);
  });
  return normalized;
}
