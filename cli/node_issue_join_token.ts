/**
 * `jaco node issue-join-token` (cli.md §5): mints a single-use join token on the leader and
 * prints the exact `jaco node join` line to run on the joining node. `<peer>` is the `--server`
 * value, or the placeholder `<this-node-host:port>` on the socket path (the socket does not say
 * which address the joiner can reach). The line also carries `--ca-fingerprint=<sha256 of the
 * CA>` (gap fix: the joiner then checks the peer before sending the token).
 *
 * `--ttl <dur>` (issue 4) is a Go-style duration, 1s … 24h (default 24h), checked here before
 * dialing (`validation_failed` naming `--ttl`) and sent as whole seconds in `ttl_seconds`; the
 * daemon checks the range again. The expiry note prints the requested lifetime
 * (`Token expires in 1h30m (single-use).`).
 *
 * json/yaml (`-o`): `{token, join_command, peer, ca_fingerprint, ttl_seconds, expires_at,
 * leader_addrs, ca_cert?}` — `ca_cert` (PEM) only with `--show-ca`.
 *
 * @module
 */
import { IssueJoinTokenRequest, type IssueJoinTokenResponse } from "../proto/mod.ts";
import { JacoError } from "../proto/errors.ts";
import { parseDurationMs } from "../compose/mod.ts";
import type { Command } from "./_command.ts";
import { formatTimestamp, renderStructured } from "./_output.ts";
import { dialDaemon } from "./_transport.ts";
import { transportFlagSpecs } from "./_transport_flags.ts";
import { fingerprintOf } from "./node_join_ca_check.ts";

/** Placeholder for the peer address when the token came over the socket. */
export const peerPlaceholder = "<this-node-host:port>";

/** SHA-256 (lower-case hex) of the CA certificate's DER, as `--ca-fingerprint` takes it. */
export async function caFingerprintOf(caPem: Uint8Array): Promise<string> {
  const body = new TextDecoder().decode(caPem)
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  return await fingerprintOf(Uint8Array.from(atob(body), (char) => char.charCodeAt(0)));
}

/** Longest `--ttl` (and the default): 24 h in seconds. */
export const maxJoinTokenTtlSeconds = 24 * 60 * 60;

/**
 * Parses `--ttl` into whole seconds.
 *
 * @throws {JacoError} `validation_failed` (details `field: --ttl`) for a non-duration, a
 *   fractional second, or a value outside 1s … 24h
 */
export function parseJoinTokenTtl(text: string): number {
  let ms: number;
  try {
    ms = parseDurationMs(text);
  } catch {
    ms = Number.NaN;
  }
  if (!(ms >= 1000 && ms <= maxJoinTokenTtlSeconds * 1000) || ms % 1000 !== 0) {
    throw new JacoError(
      "validation_failed",
      `--ttl "${text}" must be a duration of whole seconds from 1s to 24h`,
      { field: "--ttl", value: text },
    );
  }
  return ms / 1000;
}

/** A lifetime in seconds as a Go-style duration: `24h`, `1h30m`, `90s` → `1m30s`, `1s`. */
export function formatTtl(seconds: number): string {
  const parts: string[] = [];
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours) parts.push(`${hours}h`);
  if (minutes) parts.push(`${minutes}m`);
  if (rest || parts.length === 0) parts.push(`${rest}s`);
  return parts.join("");
}

/** The `jaco node join` line printed for `response`. */
export function joinCommandLine(
  response: IssueJoinTokenResponse,
  options: { peer: string; caFingerprint: string },
): string {
  return `sudo jaco node join --peer=${options.peer} --token=${response.token}` +
    ` --ca-fingerprint=${options.caFingerprint}`;
}

/** The stdout of the command for `response` (cli.md §5); `ttlSeconds` defaults to 24 h. */
export function formatJoinToken(
  response: IssueJoinTokenResponse,
  options: { peer: string; showCa: boolean; caFingerprint: string; ttlSeconds?: number },
): string {
  const ttl = formatTtl(options.ttlSeconds ?? maxJoinTokenTtlSeconds);
  let text = "Join token issued. On the joining node, run:\n\n" +
    `  ${joinCommandLine(response, options)}\n\n` +
    `Token expires in ${ttl} (single-use).\n`;
  if (options.showCa) {
    text += "\nCluster CA (write to a file on the joining node):\n" +
      new TextDecoder().decode(response.caCert);
  }
  return text;
}

/** The json/yaml document of the command (field names are the contract; see module doc). */
export function joinTokenDocument(
  response: IssueJoinTokenResponse,
  options: { peer: string; showCa: boolean; caFingerprint: string; ttlSeconds: number },
): Record<string, unknown> {
  const document: Record<string, unknown> = {
    token: response.token,
    join_command: joinCommandLine(response, options),
    peer: options.peer,
    ca_fingerprint: options.caFingerprint,
    ttl_seconds: options.ttlSeconds,
    leader_addrs: [...response.leaderAddrs],
  };
  const expiresAt = formatTimestamp(response.expiresAt);
  if (expiresAt) document.expires_at = expiresAt;
  if (options.showCa) document.ca_cert = new TextDecoder().decode(response.caCert);
  return document;
}

/** `jaco node issue-join-token`. */
export const nodeIssueJoinTokenCommand: Command = {
  usage:
    "jaco node issue-join-token [transport flags] [--ttl <dur>] [--show-ca] [-o table|json|yaml]",
  help: `Mints a single-use join token on the leader and prints the command to run on the
joining node.

  --ttl <dur>         token lifetime, 1s … 24h (default 24h), e.g. 10m, 1h30m
  --show-ca           also print the cluster CA certificate
  --socket <path>     local daemon socket (default $JACO_SOCKET, else /var/run/jaco/jaco.sock)
  --server <addr>     daemon host:port over TLS (needs --token or JACO_TOKEN)
  --token <token>     operator token (default $JACO_TOKEN)
  --ca-cert <path>    cluster CA (default $JACO_CA_CERT, else /var/lib/jaco/node/ca.crt)
`,
  flags: {
    "show-ca": { type: "boolean", default: false },
    ttl: { type: "string" },
    ...transportFlagSpecs,
  },
  args: { min: 0, max: 0 },
  async run(context) {
    const ttl = context.flags.ttl;
    const ttlSeconds = typeof ttl === "string" ? parseJoinTokenTtl(ttl) : maxJoinTokenTtlSeconds;
    const client = dialDaemon(context);
    let response: IssueJoinTokenResponse;
    try {
      response = await client.unary(
        "Cluster",
        "IssueJoinToken",
        IssueJoinTokenRequest.fromPartial({ ttlSeconds }),
        { deadlineMs: 10_000 },
      );
    } finally {
      client.close();
    }
    const server = context.flags.server ?? context.globals.server;
    const options = {
      peer: typeof server === "string" && server !== "" ? server : peerPlaceholder,
      showCa: context.flags["show-ca"] === true,
      caFingerprint: await caFingerprintOf(response.caCert),
      ttlSeconds,
    };
    const format = context.globals.output;
    context.io.stdout(
      format === "table"
        ? formatJoinToken(response, options)
        : await renderStructured(joinTokenDocument(response, options), format),
    );
    return 0;
  },
};
