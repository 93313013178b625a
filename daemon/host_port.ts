/**
 * `host:port` values of the daemon configuration: split like Go's
 * `net.SplitHostPort` (`host:port`, `[v6]:port`, `:port`), hosts checked as an
 * IP literal or an RFC 1123 hostname, IPv6 canonicalised and bracketed.
 *
 * @module
 */

import { canonicalIPv6, parseIPv4 } from "./_config_ip.ts";

/** A parsed address. `host` is empty when the value named no host (`:7000`). */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Outcome of parsing: the value, or why it is not one (a phrase for the message). */
export type HostPortParse =
  | { readonly ok: true; readonly value: HostPort }
  | { readonly ok: false; readonly reason: string };

/** `host:port` text, IPv6 hosts in brackets. */
export function formatHostPort(address: HostPort): string {
  return `${address.host.includes(":") ? `[${address.host}]` : address.host}:${address.port}`;
}

/** Whether a host means "every address" (empty, `0.0.0.0`, `::`): it must be resolved first. */
export function isUnspecifiedHost(host: string): boolean {
  return host === "" || host === "0.0.0.0" || host === "::";
}

/**
 * Parses `host:port`. With `defaultPort`, the port may be left out and a bare
 * IPv6 literal (`2001:db8::1`) is accepted and bracketed; without it the
 * port is required and the host may be empty (`:7000`, unspecified).
 */
export function parseHostPort(text: string, defaultPort?: number): HostPortParse {
  const bad = { ok: false, reason: "must be host:port" } as const;
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    const v6 = canonicalIPv6(bracketed[1]);
    if (v6 === undefined) return { ok: false, reason: "has an invalid IPv6 address" };
    [host, portText] = [v6, bracketed[2]];
  } else if (text.indexOf(":") !== text.lastIndexOf(":")) {
    // Several colons without brackets: only a bare IPv6 literal, and only where the port is optional.
    const v6 = defaultPort === undefined ? undefined : canonicalIPv6(text);
    if (v6 === undefined) return bad;
    host = v6;
  } else {
    const colon = text.indexOf(":");
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
    if (!isValidHost(host, defaultPort === undefined)) {
      return host === ""
        ? bad
        : { ok: false, reason: `has an invalid host ${JSON.stringify(host)}` };
    }
  }
  if (portText === undefined) {
    return defaultPort === undefined ? bad : { ok: true, value: { host, port: defaultPort } };
  }
  if (!/^\d{1,5}$/.test(portText)) return bad;
  const port = Number(portText);
  if (port < 1 || port > 65535) {
    return { ok: false, reason: `has port ${port} out of range (1-65535)` };
  }
  return { ok: true, value: { host, port } };
}

/** Whether `host` is an IPv4 literal or an RFC 1123 hostname (empty only when allowed). */
function isValidHost(host: string, allowEmpty: boolean): boolean {
  if (host === "") return allowEmpty;
  if (parseIPv4(host) !== undefined) return true;
  if (host.length > 253) return false;
  const labels = host.split(".");
  // An all-numeric last label is a malformed IPv4 literal (`10.0.0.256`), never a name.
  if (/^\d+$/.test(labels[labels.length - 1])) return false;
  return labels.every((label) => /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(label));
}
