/**
 * `jaco node list` (cli.md §6): the cluster's members from `Cluster.NodeList`, over the local
 * socket or `--server` with a token (the reference required `--server`).
 *
 * Table: one line per node, no header, tab-separated `<hostname>\t<address>\t<raw enum>`
 * (`NODE_STATUS_READY`), exactly as the reference printed it so scripts keep working.
 * json/yaml: `{"nodes":[{hostname, address, status}]}` with the lower-case short status.
 *
 * @module
 */
import {
  enumShortName,
  NodeListRequest,
  type NodeListResponse,
  NodeStatus,
  nodeStatusToJSON,
} from "../proto/mod.ts";
import type { Command } from "./_command.ts";
import { type OutputFormat, renderStructured } from "./_output.ts";
import { dialDaemon } from "./_transport.ts";
import { transportFlagSpecs } from "./_transport_flags.ts";

/** Client deadline of `jaco node list` (cli.md §1.5). */
export const nodeListDeadlineMs = 10_000;

/**
 * `node list` output in the given format.
 *
 * @example
 * ```ts
 * await formatNodeList(response, "table"); // "node-1\t10.0.0.5:7001\tNODE_STATUS_READY\n"
 * ```
 */
export async function formatNodeList(
  response: NodeListResponse,
  format: OutputFormat,
): Promise<string> {
  if (format === "table") {
    return response.nodes.map((node) =>
      `${node.hostname}\t${node.address}\t${nodeStatusToJSON(node.status)}\n`
    ).join("");
  }
  const nodes = response.nodes.map((node) => ({
    hostname: node.hostname,
    address: node.address,
    status: enumShortName(NodeStatus, node.status) ?? "unspecified",
  }));
  return await renderStructured({ nodes }, format);
}

/** `jaco node list`. */
export const nodeListCommand: Command = {
  usage: "jaco node list [transport flags] [-o table|json|yaml]",
  help: `Lists the cluster's nodes: hostname, raft address and status (tab-separated, no header).

  --socket <path>     local daemon socket (default $JACO_SOCKET, else /var/run/jaco/jaco.sock)
  --server <addr>     daemon host:port over TLS (needs --token or JACO_TOKEN)
  --token <token>     operator token (default $JACO_TOKEN)
  --ca-cert <path>    cluster CA (default $JACO_CA_CERT, else /var/lib/jaco/node/ca.crt)
`,
  flags: { ...transportFlagSpecs },
  args: { min: 0, max: 0 },
  async run(context) {
    const client = dialDaemon(context);
    let response: NodeListResponse;
    try {
      response = await client.unary("Cluster", "NodeList", NodeListRequest.fromPartial({}), {
        deadlineMs: nodeListDeadlineMs,
      });
    } finally {
      client.close();
    }
    context.io.stdout(await formatNodeList(response, context.globals.output));
    return 0;
  },
};
