/**
 * `jaco node remove <hostname> [--force]` (cli.md §6): `Cluster.NodeRemove` on any member (a
 * follower forwards it to the leader). Graceful by default: the leader cordons the node, waits
 * until the scheduler moved its replicas (5 min per replica without progress → `drain_timeout`),
 * then demotes/removes it from raft and deletes its `Node` record. stdout `Removed node <host>`.
 *
 * Decisions where the spec is silent:
 * - Client deadline (cli.md gaps: it must not be shorter than the server's drain): a graceful
 *   remove waits up to 1 h (the daemon's own bound on a forwarded remove); `--force` skips the
 *   drain and waits 30 s. Ctrl-C cancels the call, which the leader turns into
 *   `drain_cancelled` and lifts the cordon.
 * - json/yaml (`-o`): `{hostname, forced, replicas_moved}`.
 *
 * @module
 */
import { NodeRemoveRequest, type NodeRemoveResponse } from "../proto/mod.ts";
import type { Command } from "./_command.ts";
import { type OutputFormat, renderStructured } from "./_output.ts";
import { dialDaemon } from "./_transport.ts";
import { transportFlagSpecs } from "./_transport_flags.ts";

/** Client deadline of a graceful `node remove` (≥ the server's drain; see module doc). */
export const nodeRemoveDeadlineMs = 60 * 60_000;
/** Client deadline of `node remove --force`. */
export const nodeRemoveForceDeadlineMs = 30_000;

/** `node remove` output in the given format. */
export async function formatNodeRemove(
  response: NodeRemoveResponse,
  format: OutputFormat,
): Promise<string> {
  if (format === "table") return `Removed node ${response.hostname}\n`;
  return await renderStructured({
    hostname: response.hostname,
    forced: response.forced,
    replicas_moved: response.replicasMoved,
  }, format);
}

/** `jaco node remove`. */
export const nodeRemoveCommand: Command = {
  usage: "jaco node remove <hostname> [--force] [transport flags] [-o table|json|yaml]",
  help: `Removes a node from the cluster. By default the node is drained first: the scheduler
moves its replicas to the remaining ready nodes (make-before-break) and the command waits until
none is left (5 min per replica without progress → Error: drain_timeout). A replica pinned to
this node with no other ready listed host refuses the removal (Error: drain_no_placement).

  --force             skip the drain; pinned replicas are left pending
  --socket <path>     local daemon socket (default $JACO_SOCKET, else /var/run/jaco/jaco.sock)
  --server <addr>     daemon host:port over TLS (needs --token or JACO_TOKEN)
  --token <token>     operator token (default $JACO_TOKEN)
  --ca-cert <path>    cluster CA (default $JACO_CA_CERT, else /var/lib/jaco/node/ca.crt)
`,
  flags: { force: { type: "boolean", default: false }, ...transportFlagSpecs },
  args: { min: 1, max: 1 },
  async run(context) {
    const force = context.flags.force === true;
    const client = dialDaemon(context);
    const controller = new AbortController();
    const cancel = () => controller.abort();
    try {
      Deno.addSignalListener("SIGINT", cancel);
    } catch {
      // No signal support (tests, Windows): the deadline still bounds the call.
    }
    let response: NodeRemoveResponse;
    try {
      response = await client.unary(
        "Cluster",
        "NodeRemove",
        NodeRemoveRequest.fromPartial({ hostname: context.args[0], force }),
        {
          deadlineMs: force ? nodeRemoveForceDeadlineMs : nodeRemoveDeadlineMs,
          signal: controller.signal,
        },
      );
    } finally {
      try {
        Deno.removeSignalListener("SIGINT", cancel);
      } catch {
        // Never added.
      }
      client.close();
    }
    context.io.stdout(await formatNodeRemove(response, context.globals.output));
    return 0;
  },
};
