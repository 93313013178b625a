/**
 * Compose `ports:` entries (manifests.md §2.4–2.5): parsing the short and
 * long forms, the reserved ingress ports, and the cluster-wide TCP routes a
 * deployment publishes.
 *
 * @module
 */

import { JacoError } from "../proto/errors.ts";
import { isMapping } from "./_types.ts";
import type { ComposeProject } from "./compose_project.ts";

/** A `ports:` entry, normalised. Ranges are inclusive `[first, last]`. */
export interface PortMapping {
  /** Host IP the port is bound to; `""` = all interfaces. */
  hostIp: string;
  /** Published host port range; absent when the entry publishes nothing (bare `"C"`). */
  published?: readonly [number, number];
  /** Container port range. */
  target: readonly [number, number];
  protocol: "tcp" | "udp" | "sctp";
  /** The entry as shown in messages: the short string, or `published: <v>` for the long form. */
  entry: string;
}

/** A cluster-wide TCP listener derived from a published port (§2.5). */
export interface TcpRoute {
  publishedPort: number;
  deployment: string;
  service: string;
  containerPort: number;
}

/** Host ports owned by JACO's HTTP/S ingress. */
export const reservedHostPorts: readonly number[] = [80, 443];

/** A ports entry that does not parse; the message is a short reason. */
export class PortSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PortSyntaxError";
  }
}

function parseRange(text: string, what: string, allowZero: boolean): [number, number] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) throw new PortSyntaxError(`${what} "${text}" is not a port or range`);
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  const min = allowZero && m[2] === undefined ? 0 : 1;
  if (first < min || last > 65535 || first > 65535) {
    throw new PortSyntaxError(`${what} "${text}" is out of range (1-65535)`);
  }
  if (last < first) throw new PortSyntaxError(`${what} range "${text}" is reversed`);
  return [first, last];
}

function parseProtocol(text: string | undefined): PortMapping["protocol"] {
  if (text === undefined || text === "" || text === "tcp") return "tcp";
  if (text === "udp" || text === "sctp") return text;
  throw new PortSyntaxError(`protocol "${text}" is not tcp, udp or sctp`);
}

function checkWidths(published: [number, number] | undefined, target: [number, number]): void {
  const targetWidth = target[1] - target[0];
  if (targetWidth === 0 || !published) return;
  if (published[1] - published[0] !== targetWidth) {
    throw new PortSyntaxError("host and container port ranges differ in length");
  }
}

/** Parses `[[IP:]HOST:]CONTAINER[/PROTO]`, with `[v6]:` addresses. */
function parseShort(text: string): PortMapping {
  const slash = text.lastIndexOf("/");
  const protocol = parseProtocol(slash >= 0 ? text.slice(slash + 1) : undefined);
  let rest = slash >= 0 ? text.slice(0, slash) : text;
  let hostIp = "";
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]:");
    if (close < 0) throw new PortSyntaxError("unterminated IPv6 address");
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(":");
  if (hostIp === "" && parts.length > 3) {
    // Unbracketed IPv6: the last two parts are the ports.
    hostIp = parts.splice(0, parts.length - 2).join(":");
  } else if (parts.length === 3) {
    if (hostIp !== "") throw new PortSyntaxError("too many colons");
    hostIp = parts.shift()!;
  } else if (parts.length > 3) {
    throw new PortSyntaxError("too many colons");
  }
  if (hostIp !== "" && !isIpAddress(hostIp)) {
    throw new PortSyntaxError(`host IP "${hostIp}" is not an IP address`);
  }
  const target = parseRange(parts[parts.length - 1], "container port", false);
  const hostText = parts.length === 2 ? parts[0] : "";
  const published = hostText === "" ? undefined : parseRange(hostText, "host port", true);
  checkWidths(published, target);
  return { hostIp, published, target, protocol, entry: text };
}

function isIpAddress(text: string): boolean {
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(text)) return text.split(".").every((n) => Number(n) <= 255);
  const groups = text.split(":").length - 1;
  return /^[0-9a-fA-F:.]+$/.test(text) && (text.includes("::") || groups === 7);
}

function portText(value: unknown): string {
  return typeof value === "number" ? String(value) : typeof value === "string" ? value : "";
}

/**
 * Parses one `ports:` entry of a structurally valid service (string, number
 * or long-form mapping).
 *
 * @throws {PortSyntaxError} when the entry is malformed.
 */
export function parsePortEntry(entry: unknown): PortMapping {
  if (typeof entry === "number") return parseShort(String(entry));
  if (typeof entry === "string") return parseShort(entry.trim());
  if (!isMapping(entry)) throw new PortSyntaxError("entry is not a string, number or mapping");
  if (entry.target === undefined) throw new PortSyntaxError("long form needs target");
  const target = parseRange(portText(entry.target), "target", false);
  const publishedText = portText(entry.published);
  const published = publishedText === "" ? undefined : parseRange(publishedText, "published", true);
  checkWidths(published, target);
  return {
    hostIp: typeof entry.host_ip === "string" ? entry.host_ip : "",
    published,
    target,
    protocol: parseProtocol(typeof entry.protocol === "string" ? entry.protocol : undefined),
    entry: `published: ${publishedText}`,
  };
}

/** The first reserved port (80, then 443) a mapping's published range covers. */
export function reservedPortOf(mapping: PortMapping): number | undefined {
  const range = mapping.published;
  if (!range) return undefined;
  return reservedHostPorts.find((port) => port >= range[0] && port <= range[1]);
}

/** The TCP routes one mapping yields: numeric published > 0, tcp, all interfaces (§2.5). */
export function tcpRoutesOfMapping(
  mapping: PortMapping,
  deployment: string,
  service: string,
): TcpRoute[] {
  const range = mapping.published;
  if (!range || range[0] === 0 || mapping.protocol !== "tcp") return [];
  if (mapping.hostIp !== "" && mapping.hostIp !== "0.0.0.0") return [];
  const routes: TcpRoute[] = [];
  for (let port = range[0]; port <= range[1]; port++) {
    const offset = mapping.target[1] === mapping.target[0] ? 0 : port - range[0];
    routes.push({
      publishedPort: port,
      deployment,
      service,
      containerPort: mapping.target[0] + offset,
    });
  }
  return routes;
}

/**
 * Every TCP route a validated compose project publishes, sorted by port.
 * Services are visited in name order, so the conflict reported is stable.
 *
 * @throws {JacoError} `port_conflict` when two services of the deployment (or
 * one service twice) publish the same host port.
 * @example
 * ```ts
 * const routes = tcpRoutesOf("crm", parseComposeProject(text));
 * routes[0]; // { publishedPort: 5432, deployment: "crm", service: "pg", containerPort: 5432 }
 * ```
 */
export function tcpRoutesOf(deployment: string, compose: ComposeProject): TcpRoute[] {
  const owners = new Map<number, TcpRoute>();
  for (const name of compose.serviceNames) {
    const ports = compose.services.get(name)?.ports ?? [];
    for (const entry of ports) {
      for (const route of tcpRoutesOfMapping(parsePortEntry(entry), deployment, name)) {
        const owner = owners.get(route.publishedPort);
        if (owner) throw portConflict(owner.service, name, route.publishedPort);
        owners.set(route.publishedPort, route);
      }
    }
  }
  return [...owners.values()].sort((a, b) => a.publishedPort - b.publishedPort);
}

function portConflict(first: string, second: string, port: number): JacoError {
  const details = { service: second, services: `${first},${second}`, port: String(port) };
  if (first === second) {
    return new JacoError(
      "port_conflict",
      `service "${first}" publishes host port ${port} more than once`,
      details,
    );
  }
  return new JacoError(
    "port_conflict",
    `services "${first}" and "${second}" both publish host port ${port} in this deployment`,
    details,
  );
}
