/**
 * `jaco node join` (cli.md §5): socket only; the local daemon dials `--peer`, is admitted with
 * the join token and starts as a raft learner (promotion is automatic). The token comes from
 * `--token` or `JACO_JOIN_TOKEN`; the global `--server` is ignored.
 *
 * @module
 */
import { ClusterJoinRequest } from "../proto/mod.ts";
import type { Command, CommandContext } from "./_command.ts";
import { type OutputFormat, renderResult } from "./_output.ts";
import { dialDaemon } from "./_transport.ts";
import { UsageError } from "./_usage_error.ts";
import { notesIo, type ProgramRunner, systemdEnableStep } from "./cluster.ts";
import { normalizeFingerprint } from "./node_join_ca_check.ts";

function socketOnly(context: CommandContext): CommandContext {
  // `--token` here is the join token, never a bearer token for the dial rule.
  const { token: _joinToken, ...flags } = context.flags;
  return { ...context, flags, globals: { ...context.globals, server: undefined } };
}

const denoRunner: ProgramRunner = async (program, args) => {
  const result = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" })
    .output();
  const decoder = new TextDecoder();
  return {
    code: result.code,
    output: (decoder.decode(result.stdout) + decoder.decode(result.stderr)).trim(),
  };
};

/**
 * `node join` output: `Joined cluster.`, or `{joined: true, peer}` as json/yaml (systemd notes
 * then go to stderr).
 */
export function formatJoined(peer: string, format: OutputFormat): Promise<string> {
  return renderResult(format, "Joined cluster.\n", { joined: true, peer });
}

/** `jaco node join` with an injectable program runner (tests). */
export function makeNodeJoinCommand(run: ProgramRunner = denoRunner): Command {
  return {
    usage:
      "jaco node join --peer <host:port> [--token <join-token>] [--ca-fingerprint <sha256>] [--socket <path>] [--no-systemd-enable]",
    help: `Joins the local daemon to an existing cluster through a member's gRPC address.

  --peer <host:port>   gRPC address of the leader
  --token <token>      join token (default $JACO_JOIN_TOKEN)
  --ca-fingerprint <sha256>
                       cluster CA fingerprint printed by issue-join-token; the local daemon
                       refuses a peer without a certificate of that CA before the token is sent
                       (Error: validation_failed; else the peer is not verified)
  --socket <path>      local daemon socket (default $JACO_SOCKET, else /var/run/jaco/jaco.sock)
  --no-systemd-enable  do not run \`systemctl enable jaco\` afterwards
`,
    flags: {
      peer: { type: "string" },
      token: { type: "string" },
      "ca-fingerprint": { type: "string" },
      socket: { type: "string" },
      "no-systemd-enable": { type: "boolean", default: false },
    },
    args: { min: 0, max: 0 },
    async run(context) {
      const peer = typeof context.flags.peer === "string" ? context.flags.peer : "";
      if (peer === "") throw new UsageError("--peer is required");
      const flagToken = typeof context.flags.token === "string" ? context.flags.token : "";
      const token = flagToken || (context.io.env("JACO_JOIN_TOKEN") ?? "");
      if (token === "") throw new UsageError("--token or JACO_JOIN_TOKEN env is required");
      const pin = context.flags["ca-fingerprint"];
      // The local daemon checks the pin inside the handshake that carries the token.
      const caFingerprint = typeof pin === "string" ? normalizeFingerprint(pin) : "";
      const client = dialDaemon(socketOnly(context));
      try {
        await client.unary(
          "Cluster",
          "Join",
          ClusterJoinRequest.fromPartial({ peerAddr: peer, joinToken: token, caFingerprint }),
          { deadlineMs: 60_000 },
        );
      } finally {
        client.close();
      }
      const format = context.globals.output;
      context.io.stdout(await formatJoined(peer, format));
      if (context.flags["no-systemd-enable"] !== true) {
        await systemdEnableStep(notesIo(context.io, format), run);
      }
      return 0;
    },
  };
}

/** `jaco node join`. */
export const nodeJoinCommand: Command = makeNodeJoinCommand();
