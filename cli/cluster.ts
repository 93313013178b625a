/**
 * `jaco cluster init` and `jaco cluster status` (cli.md §5). Both are socket-only: the global
 * `--server` is ignored (cli.md §2), only `--socket` / `JACO_SOCKET` pick the daemon.
 *
 * After a successful init the systemd-enable step runs `systemctl enable jaco` (best effort,
 * never `--now`) unless `--no-systemd-enable`; the runner is injectable so tests never touch
 * the host's service manager.
 *
 * @module
 */
import {
  ClusterInitRequest,
  type ClusterInitResponse,
  ClusterStatusRequest,
  type ClusterStatusResponse,
  enumShortName,
  NodeStatus,
  NodeSuffrage_Kind,
} from "../proto/mod.ts";
import type { Command, CommandContext } from "./_command.ts";
import type { CliIo } from "./_io.ts";
import { type OutputFormat, renderResult, renderStructured } from "./_output.ts";
import { dialDaemon } from "./_transport.ts";

/** Outcome of running a program: exit code and combined output. */
export interface ProgramResult {
  code: number;
  output: string;
}

/**
 * Runs `program args…`; rejects with `Deno.errors.NotFound` when the program is not on PATH.
 */
export type ProgramRunner = (program: string, args: string[]) => Promise<ProgramResult>;

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
 * The systemd-enable step shared by `cluster init` and `node join` (cli.md §5): prints the
 * Note / warning / success line. Never fails the command.
 */
export async function systemdEnableStep(io: CliIo, run: ProgramRunner): Promise<void> {
  let result: ProgramResult;
  try {
    result = await run("systemctl", ["enable", "jaco"]);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      io.stdout(
        "Note: systemctl not found; skipping auto-enable. Ensure jacod starts on boot via your " +
          "service manager so this node rejoins after a reboot.\n",
      );
      return;
    }
    result = { code: -1, output: (error as Error).message };
  }
  if (result.code === 0) {
    io.stdout("Enabled jaco.service to start on boot — this node now survives reboot.\n");
    return;
  }
  io.stderr(
    `warning: \`systemctl enable jaco\` failed: exit status ${result.code}: ${result.output}\n`,
  );
  io.stderr(
    "Run `sudo systemctl enable jaco` manually so this node rejoins the cluster after a reboot.\n",
  );
}

/**
 * `cluster init` output: the success text, or `{cluster_id, operator_token}` as json/yaml (the
 * systemd-enable notes then go to stderr so stdout stays one document).
 */
export function formatInit(response: ClusterInitResponse, format: OutputFormat): Promise<string> {
  return renderResult(format, formatInitResult(response), {
    cluster_id: response.clusterId,
    operator_token: response.operatorToken,
  });
}

/** Where notes of a command with a structured result go: stderr unless the format is table. */
export function notesIo(io: CliIo, format: OutputFormat): CliIo {
  return format === "table" ? io : { ...io, stdout: (text) => io.stderr(text) };
}

/** The init success text (before the systemd-enable step). */
export function formatInitResult(response: ClusterInitResponse): string {
  return `Cluster initialized.\n` +
    `  cluster_id:     ${response.clusterId}\n` +
    `  operator_token: ${response.operatorToken}\n\n` +
    `Save the operator token now — it cannot be recovered.\n`;
}

function socketOnly(context: CommandContext): CommandContext {
  return { ...context, globals: { ...context.globals, server: undefined } };
}

/** `jaco cluster init` with an injectable program runner (tests). */
export function makeClusterInitCommand(run: ProgramRunner = denoRunner): Command {
  return {
    usage: "jaco cluster init [--name <cluster-name>] [--socket <path>] [--no-systemd-enable]",
    help: "Bootstraps a new single-node cluster on the local daemon and prints the operator\n" +
      "token once. Then runs `systemctl enable jaco` unless --no-systemd-enable.\n",
    flags: {
      name: { type: "string", default: "" },
      socket: { type: "string" },
      "no-systemd-enable": { type: "boolean", default: false },
    },
    args: { min: 0, max: 0 },
    async run(context) {
      const client = dialDaemon(socketOnly(context));
      let response: ClusterInitResponse;
      try {
        response = await client.unary(
          "Cluster",
          "Init",
          ClusterInitRequest.fromPartial({ clusterName: String(context.flags.name ?? "") }),
          { deadlineMs: 60_000 },
        );
      } finally {
        client.close();
      }
      const format = context.globals.output;
      context.io.stdout(await formatInit(response, format));
      if (context.flags["no-systemd-enable"] !== true) {
        await systemdEnableStep(notesIo(context.io, format), run);
      }
      return 0;
    },
  };
}

/** `jaco cluster init`. */
export const clusterInitCommand: Command = makeClusterInitCommand();

function suffrageOf(status: ClusterStatusResponse, hostname: string): string {
  const kind = status.suffrages.find((entry) => entry.hostname === hostname)?.kind;
  const name = kind === undefined ? undefined : enumShortName(NodeSuffrage_Kind, kind);
  return name === "voter" || name === "nonvoter" ? name : "unknown";
}

/**
 * Renders a `Cluster.Status` answer as cli.md §5 shows it (table, or the stable json/yaml
 * shape: `initialized`, `leader`, `raft_index`, `nodes`), plus the answering node's mesh mode
 * (`mesh_mode`, table line `Mesh:`) and each member's `mesh_ip` (networking.md §4).
 */
export async function formatClusterStatus(
  status: ClusterStatusResponse,
  format: OutputFormat,
): Promise<string> {
  const nodes = status.nodes.map((node) => ({
    hostname: node.hostname,
    address: node.address,
    status: enumShortName(NodeStatus, node.status) ?? "unspecified",
    suffrage: suffrageOf(status, node.hostname),
    mesh_ip: node.meshIp,
  }));
  if (format !== "table") {
    return await renderStructured({
      initialized: status.initialized,
      leader: status.leader,
      raft_index: status.raftIndex,
      mesh_mode: status.meshMode,
      nodes,
    }, format);
  }
  if (!status.initialized) {
    return "Status:    uninitialized\n\n" +
      "Run `jaco cluster init` to start a new cluster,\n" +
      "or `jaco node join` to join an existing one.\n";
  }
  const lines = [
    "Status:     initialized",
    `Leader:     ${status.leader || "(no leader elected)"}`,
    `Raft index: ${status.raftIndex}`,
    `Mesh:       ${status.meshMode || "unavailable"}`,
    `Nodes (${nodes.length}):`,
    ...nodes.map((node) =>
      `  - ${node.hostname} @ ${node.address} [${node.status.toUpperCase()}, ${
        node.suffrage === "unknown" ? "?" : node.suffrage.toUpperCase()
      }]`
    ),
  ];
  return lines.join("\n") + "\n";
}

/** `jaco cluster status`. */
export const clusterStatusCommand: Command = {
  usage: "jaco cluster status [--socket <path>] [-o table|json|yaml]",
  help: "Shows whether the local daemon belongs to a cluster, the leader, the raft index and\n" +
    "the members. Works before init.\n",
  flags: { socket: { type: "string" } },
  args: { min: 0, max: 0 },
  async run(context) {
    const client = dialDaemon(socketOnly(context));
    let status: ClusterStatusResponse;
    try {
      status = await client.unary("Cluster", "Status", ClusterStatusRequest.fromPartial({}), {
        deadlineMs: 10_000,
      });
    } finally {
      client.close();
    }
    context.io.stdout(await formatClusterStatus(status, context.globals.output));
    return 0;
  },
};
