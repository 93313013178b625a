/**
 * `jacod.yaml` (auth-and-config.md §9): the closed schema, its defaults and
 * validation. `config_load.ts` finds and reads the file.
 *
 * Decisions where the spec is silent:
 * - A key set to YAML `null` (`data_dir:` with nothing after it) counts as
 *   absent and takes its default; an explicit empty string on a required key
 *   is refused.
 * - `node_name` defaults to the OS host name, lower-cased and cut at the first
 *   dot (`Web-1.example.com` → `web-1`); if that is still not a DNS label the
 *   daemon refuses to start and asks for `node_name`.
 * - `data_dir` and `unix_socket` must be absolute (the daemon runs with cwd `/`
 *   under systemd); `unix_socket` must fit the 107-byte `sun_path` limit.
 * - `listen_addr` and `cluster_addr` must differ as sockets: same port on the
 *   same host, or the same port where either host is unspecified (it may
 *   resolve to the other's address), is refused with the spec's message.
 * - `ipam_pool` with host bits set (`10.244.1.0/16`) is accepted as its
 *   network (`10.244.0.0/16`), like Go's `net.ParseCIDR`.
 * - `log_level` accepts the observability spelling (case-insensitive,
 *   `warning` ≡ `warn`).
 * - `dns.forwarders` also refuses `x.y.*.1` of the configured `ipam_pool` (those
 *   are bridge responders too) and IPv4-mapped IPv6 spellings of the refused
 *   addresses; duplicates after normalisation are dropped.
 * - Durations in messages print like Go (`10m0s`), as the bounds in the same
 *   message do.
 * - YAML is 1.2 core schema (`yes`/`on` are strings, so `acme_enabled: yes` is
 *   refused as a wrong type); duplicate keys, several documents, unresolved
 *   tags and alias bombs are `parse_failed`.
 * - Durations are strings; a bare number is refused (its unit would be a guess)
 *   except `0`, which the spec gives as "use the default".
 *
 * @module
 */

import { ErrorCode, JacoError } from "../proto/errors.ts";
import { parseAllDocuments } from "yaml";
import {
  checkAcmeCa,
  checkForwarders,
  checkForwarderTimeout,
  checkNodeName,
  checkNodeStatusInterval,
  ConfigIssue,
  readAddress,
  readBool,
  readDurationMs,
  readIpamPool,
  readRequiredString,
  readString,
  readStringList,
  readWgPort,
} from "./_config_fields.ts";
import { type HostPort, isUnspecifiedHost } from "./host_port.ts";
import { type LogLevel, parseLogLevel } from "./config_log_level.ts";

/** The validated daemon configuration; every field holds its effective value. */
export interface DaemonConfig {
  /** This node's name (raft id, certificate name); DNS label. */
  readonly nodeName: string;
  readonly dataDir: string;
  /** gRPC/TLS listener (CLI + peers); host may be unspecified until `resolveAddresses`. */
  readonly listenAddr: HostPort;
  /** Raft transport (mutual TLS with node certificates). */
  readonly clusterAddr: HostPort;
  readonly unixSocket: string;
  readonly wgPort: number;
  /** `log_level` from the file (see `loadDaemonConfig` for the effective level). */
  readonly logLevel: LogLevel;
  /** Normalised `/16` network, e.g. `10.244.0.0/16`. */
  readonly ipamPool: string;
  readonly nodeStatusIntervalMs: number;
  readonly acmeEmail: string;
  /** Effective ACME directory URL (Let's Encrypt production when unset). */
  readonly acmeCa: string;
  readonly acmeEnabled: boolean;
  readonly acmeSkipStaging: boolean;
  readonly dns: {
    /** Normalised `host:port` upstreams; empty ⇒ use `/etc/resolv.conf` (`resolverForwarders`). */
    readonly forwarders: readonly string[];
    readonly forwarderTimeoutMs: number;
  };
}

/** ACME directory used when `acme_ca` is empty. */
export const letsEncryptProduction = "https://acme-v02.api.letsencrypt.org/directory";
/** Let's Encrypt staging directory (stage-first issuance). */
export const letsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory";

const defaults = {
  data_dir: "/var/lib/jaco",
  listen_addr: "0.0.0.0:7000",
  cluster_addr: "0.0.0.0:7001",
  unix_socket: "/var/run/jaco/jaco.sock",
  wg_port: 51820,
  log_level: "info",
  ipam_pool: "10.244.0.0/16",
  node_status_interval: "30s",
  acme_email: "",
  acme_ca: "",
  acme_enabled: true,
  acme_skip_staging: false,
} as const;
const dnsDefaults = { forwarders: [] as string[], forwarder_timeout: "2s" } as const;
const topLevelKeys = new Set<string>([...Object.keys(defaults), "node_name", "dns"]);
const dnsKeys = new Set<string>(Object.keys(dnsDefaults));
const defaultNodeStatusIntervalMs = 30_000;
const defaultForwarderTimeoutMs = 2_000;
/** `sun_path` holds 108 bytes including the terminating NUL. */
const maxUnixSocketPathBytes = 107;

/**
 * Parses and validates `jacod.yaml` text. Empty text (or only comments) is
 * all defaults.
 *
 * @param source where the text came from (a path), carried in `details.source`
 * @param host.hostname the OS host name, the default `node_name`
 * @throws {JacoError} `parse_failed` on YAML syntax; `validation_failed` with
 * `details.field` (dotted path) on an unknown key, a wrong type or a broken rule
 * @example
 * ```ts
 * const config = parseDaemonConfig("listen_addr: 10.0.0.5:7000\n", "/etc/jaco/jacod.yaml", {
 *   hostname: "web-1",
 * });
 * config.listenAddr; // { host: "10.0.0.5", port: 7000 }
 * ```
 */
export function parseDaemonConfig(
  text: string,
  source: string,
  host: { hostname: string },
): DaemonConfig {
  const document = decodeYaml(text, source);
  try {
    return buildConfig(document ?? {}, host.hostname);
  } catch (error) {
    if (!(error instanceof ConfigIssue)) throw error;
    const details: Record<string, string> = { field: error.field, source };
    if (error.value !== undefined) details.value = error.value;
    throw new JacoError(ErrorCode.validation_failed, error.message, details);
  }
}

/**
 * One YAML 1.2 document (core schema: `yes`/`on` stay strings) as plain
 * values. Warnings count as errors: an unresolved tag (`!foo`) in a closed
 * schema is a mistake, not something to drop silently.
 */
function decodeYaml(text: string, source: string): unknown {
  const failed = (problem: unknown) => {
    // The first line holds the reason and position; the rest is a source excerpt.
    const reason = String((problem as Error)?.message ?? problem).split("\n")[0].replace(/:$/, "");
    return new JacoError(ErrorCode.parse_failed, `cannot parse ${source}: ${reason}`, { source }, {
      cause: problem,
    });
  };
  let documents;
  try {
    documents = parseAllDocuments(text, { uniqueKeys: true, logLevel: "silent" });
  } catch (error) {
    throw failed(error); // the parser itself giving up (absurd nesting) is still bad input
  }
  if (documents.length > 1) throw failed(`found ${documents.length} YAML documents, expected one`);
  const document = documents[0];
  if (!document) return null;
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem) throw failed(problem);
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw failed(error); // alias expansion beyond the budget
  }
}

/** The keys of a mapping that are set (not `null`); refuses keys outside `allowed`. */
function presentKeys(
  value: unknown,
  field: string,
  allowed: ReadonlySet<string>,
): Map<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigIssue(field || "(root)", `${field || "the top level"} must be a mapping`);
  }
  const present = new Map<string, unknown>();
  for (const [key, item] of Object.entries(value)) {
    const path = field ? `${field}.${key}` : key;
    if (!allowed.has(key)) throw new ConfigIssue(path, `unknown key ${JSON.stringify(path)}`);
    if (item !== null) present.set(key, item);
  }
  return present;
}

function buildConfig(document: unknown, hostname: string): DaemonConfig {
  const keys = presentKeys(document, "", topLevelKeys);
  const get = (key: keyof typeof defaults) => keys.get(key) ?? defaults[key];
  const dns = presentKeys(keys.get("dns") ?? {}, "dns", dnsKeys);

  const nodeName = keys.has("node_name")
    ? checkNodeName(readRequiredString(keys.get("node_name"), "node_name"), "node_name")
    : defaultNodeName(hostname);
  const dataDir = readPath(get("data_dir"), "data_dir");
  const listenAddr = readAddress(get("listen_addr"), "listen_addr");
  const clusterAddr = readAddress(get("cluster_addr"), "cluster_addr");
  if (socketsCollide(listenAddr, clusterAddr)) {
    throw new ConfigIssue("cluster_addr", "cluster_addr and listen_addr must differ");
  }
  const unixSocket = readPath(get("unix_socket"), "unix_socket");
  if (new TextEncoder().encode(unixSocket).length > maxUnixSocketPathBytes) {
    throw new ConfigIssue(
      "unix_socket",
      `unix_socket ${JSON.stringify(unixSocket)} is longer than ${maxUnixSocketPathBytes} bytes`,
      unixSocket,
    );
  }
  const wgPort = readWgPort(get("wg_port"));
  const logLevelText = readRequiredString(get("log_level"), "log_level");
  const logLevel = parseLogLevel(logLevelText);
  if (!logLevel || logLevelText.includes(",")) {
    throw new ConfigIssue(
      "log_level",
      `log_level ${JSON.stringify(logLevelText)} must be one of debug, info, warn, error`,
      logLevelText,
    );
  }
  const ipamPool = readIpamPool(get("ipam_pool"));
  const intervalMs = checkNodeStatusInterval(
    readDurationMs(get("node_status_interval"), "node_status_interval"),
  );
  const acmeCa = checkAcmeCa(readString(get("acme_ca"), "acme_ca"));
  const forwarders = checkForwarders(
    readStringList(dns.get("forwarders") ?? dnsDefaults.forwarders, "dns.forwarders"),
    ipamPool,
  );
  const timeoutMs = checkForwarderTimeout(
    readDurationMs(
      dns.get("forwarder_timeout") ?? dnsDefaults.forwarder_timeout,
      "dns.forwarder_timeout",
    ),
  );
  return {
    nodeName,
    dataDir,
    listenAddr,
    clusterAddr,
    unixSocket,
    wgPort,
    logLevel,
    ipamPool,
    nodeStatusIntervalMs: intervalMs === 0 ? defaultNodeStatusIntervalMs : intervalMs,
    acmeEmail: readString(get("acme_email"), "acme_email"),
    acmeCa: acmeCa === "" ? letsEncryptProduction : acmeCa,
    acmeEnabled: readBool(get("acme_enabled"), "acme_enabled"),
    acmeSkipStaging: readBool(get("acme_skip_staging"), "acme_skip_staging"),
    dns: {
      forwarders,
      forwarderTimeoutMs: timeoutMs === 0 ? defaultForwarderTimeoutMs : timeoutMs,
    },
  };
}

function readPath(value: unknown, field: string): string {
  const path = readRequiredString(value, field);
  if (!path.startsWith("/")) {
    throw new ConfigIssue(field, `${field} ${JSON.stringify(path)} must be an absolute path`, path);
  }
  return path;
}

/** Whether two listeners would fight over one socket (see the module doc). */
function socketsCollide(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port) return false;
  return isUnspecifiedHost(a.host) || isUnspecifiedHost(b.host) ||
    a.host.toLowerCase() === b.host.toLowerCase();
}

function defaultNodeName(hostname: string): string {
  const name = hostname.split(".")[0].toLowerCase();
  try {
    return checkNodeName(name, "node_name");
  } catch {
    // Re-worded: the operator never typed this value, the host name did.
    throw new ConfigIssue(
      "node_name",
      `node_name defaults to the host name ${
        JSON.stringify(hostname)
      }, which is not a DNS label; set node_name`,
      hostname,
    );
  }
}
