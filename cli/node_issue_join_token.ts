/**
 * `jaco node issue-join-token` (cli.md §5): mints a single-use join token on the leader and
 * prints the exact `jaco node join` line to run on the joining node. `<peer>` is the `--server`
 * value, or the placeholder `<this-node-host:port>` on the socket path (the socket does not say
 * which address the joiner can reach). The line also carries `--ca-fingerprint=<sha256 of the
 * CA>` (gap fix: the joiner then checks the peer before sending the token).
 *
 * @module
 */
import { IssueJoinTokenRequest, type IssueJoinTokenResponse } from "../proto/mod.ts";
import type { Command } from "./_command.ts";
import { requireTableOutput } from "./_output.ts";
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

/** The stdout of the command for `response` (cli.md §5). */
export function formatJoinToken(
  response: IssueJoinTokenResponse,
  options: { peer: string; showCa: boolean; caFingerprint: string },
): string {
  let text = "Join token issued. On the joining node, run:\n\n" +
    `  sudo jaco node join --peer=${options.peer} --token=${response.token}` +
    ` --ca-fingerprint=${options.caFingerprint}\n\n` +
    "Token expires in 24h (single-use).\n";
  if (options.showCa) {
    text += "\nCluster CA (write to a file on the joining node):\n" +
      new TextDecoder().decode(response.caCert);
  }
  return text;
}

/** `jaco node issue-join-token`. */
export const nodeIssueJoinTokenCommand: Command = {
  usage: "jaco node issue-join-token [transport flags] [--show-ca]",
  help: `Mints a single-use join token (valid 24h) on the leader and prints the command to run
on the joining node.

  --show-ca           also print the cluster CA certificate
  --socket <path>     local daemon socket (default $JACO_SOCKET, else /var/run/jaco/jaco.sock)
  --server <addr>     daemon host:port over TLS (needs --token or JACO_TOKEN)
  --token <token>     operator token (default $JACO_TOKEN)
  --ca-cert <path>    cluster CA (default $JACO_CA_CERT, else /var/lib/jaco/node/ca.crt)
`,
  flags: { "show-ca": { type: "boolean", default: false }, ...transportFlagSpecs },
  args: { min: 0, max: 0 },
  async run(context) {
    requireTableOutput(context.globals.output);
    const client = dialDaemon(context);
    let response: IssueJoinTokenResponse;
    try {
      response = await client.unary(
        "Cluster",
        "IssueJoinToken",
        IssueJoinTokenRequest.fromPartial({}),
        { deadlineMs: 10_000 },
      );
    } finally {
      client.close();
    }
    const server = context.flags.server ?? context.globals.server;
    context.io.stdout(formatJoinToken(response, {
      peer: typeof server === "string" && server !== "" ? server : peerPlaceholder,
      showCa: context.flags["show-ca"] === true,
      caFingerprint: await caFingerprintOf(response.caCert),
    }));
    return 0;
  },
};
