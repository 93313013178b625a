/**
 * The operator dial rule (cli.md §1.1): which daemon a socket|tcp command talks to and with
 * which credentials, decided from the transport flags, the environment and the filesystem
 * before anything is dialed. Every failure carries the spec's exact text.
 *
 * Precedence is flag > env > built-in default. Where the spec is silent:
 * - an empty `--token`, `--socket` or env value counts as unset (falls through to the next
 *   source), since an empty token or socket path can never work; only `--ca-cert ""` is
 *   meaningful (the spec's "dial without verification"), and only as a flag — an empty
 *   `JACO_CA_CERT` falls through to the default file, so a blank env line never silently turns
 *   verification off;
 * - `--server host` without a port dials the daemon's default port 7000.
 *
 * @module
 */

import { X509Certificate } from "node:crypto";
import type { FlagSpec } from "./_command.ts";
import { UsageError } from "./_usage_error.ts";

/** Socket path when neither `--socket` nor `JACO_SOCKET` is set. */
export const defaultSocketPath = "/var/run/jaco/jaco.sock";
/** Cluster CA path when neither `--ca-cert` nor `JACO_CA_CERT` is set. */
export const defaultCaCertPath = "/var/lib/jaco/node/ca.crt";
/** Port dialed when `--server` names only a host. */
export const defaultServerPort = 7000;
/** The stderr line printed when dialing with `--ca-cert ""`. */
export const insecureWarning =
  "warning: dialing without --ca-cert; server identity is not verified";

/** The transport flags every socket|tcp command declares ("Transport flags" in cli.md §4). */
export const transportFlagSpecs: Record<string, FlagSpec> = {
  server: { type: "string" },
  token: { type: "string" },
  "ca-cert": { type: "string" },
  socket: { type: "string" },
};

/** Transport flag values as parsed; `undefined` = not given. */
export interface TransportFlags {
  /** `--server host:port` (a command's own, else the global one). */
  server?: string;
  /** `--token`. */
  token?: string;
  /** `--ca-cert`; `""` = explicitly no verification. */
  caCert?: string;
  /** `--socket`. */
  socket?: string;
}

/** What the dial rule reads from the outside world. */
export interface TransportEnvironment {
  /** One environment variable. */
  env(name: string): string | undefined;
  /** A UTF-8 file; `undefined` when missing, throws for any other read failure. */
  readTextFile(path: string): string | undefined;
  /** True when something (the daemon's socket) exists at `path`. */
  exists(path: string): boolean;
  /** Writes text to standard error (the `--ca-cert ""` warning). */
  stderr(text: string): void;
}

/** Where and how to dial. */
export type TransportTarget =
  | {
    readonly kind: "socket";
    /** Unix socket path. */
    readonly path: string;
  }
  | {
    readonly kind: "tcp";
    /** `host:port` (IPv6 hosts bracketed). */
    readonly address: string;
    /** The host part, checked against the server certificate's SANs. */
    readonly host: string;
    /** Operator bearer token; never logged. */
    readonly token: string;
    /** Pinned cluster CA (PEM); `undefined` = no verification (`--ca-cert ""`). */
    readonly caPem: string | undefined;
  };

/**
 * Applies the dial rule.
 *
 * @throws {Error} with the spec's message when the token is missing, the CA file is missing,
 *   unreadable or not PEM, or the local socket does not exist
 * @throws {UsageError} when `--server` is not `host[:port]`
 * @example
 * ```ts
 * const target = resolveTransport({ server: "10.0.0.5:7000" }, environment);
 * target.kind; // "tcp"
 * ```
 */
export function resolveTransport(
  flags: TransportFlags,
  environment: TransportEnvironment,
): TransportTarget {
  const nonEmpty = (value: string | undefined) => value === "" ? undefined : value;
  if (nonEmpty(flags.server) === undefined) {
    const path = nonEmpty(flags.socket) ?? nonEmpty(environment.env("JACO_SOCKET")) ??
      defaultSocketPath;
    if (!environment.exists(path)) {
      throw new DialRuleError(
        `no --server given and local socket ${path} is not available: pass --server ` +
          `(host:port) with --token, or run this command on a cluster node with the jaco ` +
          `daemon socket`,
      );
    }
    return { kind: "socket", path };
  }
  const { host, address } = parseServerAddress(flags.server!);
  const token = nonEmpty(flags.token) ?? nonEmpty(environment.env("JACO_TOKEN"));
  if (token === undefined) {
    throw new DialRuleError("--token or JACO_TOKEN env is required when --server is set");
  }
  if (flags.caCert === "") {
    environment.stderr(`${insecureWarning}\n`);
    return { kind: "tcp", address, host, token, caPem: undefined };
  }
  const caPath = flags.caCert ?? nonEmpty(environment.env("JACO_CA_CERT")) ?? defaultCaCertPath;
  return { kind: "tcp", address, host, token, caPem: readCaPem(caPath, environment) };
}

/** A failure of the dial rule (missing token, CA or socket): printed as its plain message. */
export class DialRuleError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DialRuleError";
  }
}

function readCaPem(path: string, environment: TransportEnvironment): string {
  let pem: string | undefined;
  try {
    pem = environment.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DialRuleError(`read CA cert ${path}: ${reason}`, { cause: error });
  }
  if (pem === undefined) {
    throw new DialRuleError(
      `ca cert not found at ${path} — pass --ca-cert or set JACO_CA_CERT`,
    );
  }
  if (!isCertificatePem(pem)) throw new DialRuleError("--ca-cert did not parse as PEM");
  return pem;
}

const certificateBlock = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** True when `pem` holds at least one certificate block and every such block parses. */
function isCertificatePem(pem: string): boolean {
  const blocks = pem.match(certificateBlock) ?? [];
  if (blocks.length === 0) return false;
  try {
    for (const block of blocks) new X509Certificate(block);
    return true;
  } catch {
    // A parse failure is the answer itself ("did not parse"), not an error to propagate.
    return false;
  }
}

/**
 * Splits `--server` into host and `host:port` (default port 7000; IPv6 in brackets).
 *
 * @throws {UsageError} for an empty host or a port outside 1–65535
 */
export function parseServerAddress(value: string): { host: string; address: string } {
  const match = /^(?:\[([0-9a-fA-F:.%\w]+)\]|([^:\[\]\s]+))(?::(\d+))?$/.exec(value);
  const port = match?.[3] === undefined ? defaultServerPort : Number(match[3]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`invalid --server "${value}": want host:port (e.g. 10.0.0.5:7000)`);
  }
  const host = match[1] ?? match[2];
  return { host, address: match[1] !== undefined ? `[${host}]:${port}` : `${host}:${port}` };
}

/** How a target appears in debug logs: kind and where, never the token. */
export function describeTarget(target: TransportTarget): string {
  if (target.kind === "socket") return `socket ${target.path}`;
  return `tcp ${target.address}${target.caPem === undefined ? " (unverified TLS)" : ""}`;
}
