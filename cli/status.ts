/**
 * `jaco status [<deployment>[/<service>]] [-w]` (cli.md `jaco status`): a `Deploy.Status`
 * snapshot as tables or json/yaml; `-w` re-prints whenever the snapshot changes.
 *
 * Decisions where the spec is silent or the reference differs:
 * - `-w` polls `Deploy.Status` every second and re-prints only when the rendered output
 *   changed, instead of re-fetching on `Watch.Subscribe` events: same output, no dependency on
 *   the watch stream's entity coverage, and a missed event cannot leave a stale screen. The
 *   separators are as specified (`---` line before each re-print for table/yaml, none for json).
 *   Ctrl-C exits 0.
 * - The argument must be `<deployment>` or `<deployment>/<service>` with non-empty parts.
 *
 * @module
 */
import type { DeployStatusRequest, DeployStatusResponse } from "../proto/mod.ts";
import type { Command, CommandContext } from "./_command.ts";
import { type Client, dialDaemon } from "./_transport.ts";
import { transportFlagSpecs } from "./_transport_flags.ts";
import { UsageError } from "./_usage_error.ts";
import { type Interrupt, processInterrupt } from "./audit.ts";
import { renderStatus } from "./status_render.ts";

/** Client deadline of one snapshot (cli.md §1.5). */
export const statusDeadlineMs = 30_000;

/** Help lines of the transport flags, shared by the deployment commands. */
export const transportHelp =
  `  --socket <path>     local daemon socket (default $JACO_SOCKET, else /var/run/jaco/jaco.sock)
  --server <addr>     daemon host:port over TLS (needs --token or JACO_TOKEN)
  --token <token>     operator token (default $JACO_TOKEN)
  --ca-cert <path>    cluster CA (default $JACO_CA_CERT, else /var/lib/jaco/node/ca.crt)
`;

/** Dials the daemon, runs `work`, closes the connection. */
export async function withClient<T>(
  context: Pick<CommandContext, "flags" | "globals" | "io" | "log">,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = dialDaemon(context);
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

/**
 * Splits `<deployment>[/<service>]`.
 *
 * @throws {UsageError} for empty parts or more than one `/`
 */
export function parseScope(arg: string | undefined): { deployment: string; service: string } {
  if (arg === undefined) return { deployment: "", service: "" };
  const parts = arg.split("/");
  if (parts.length > 2 || parts.some((part) => part === "")) {
    throw new UsageError(`expected <deployment>[/<service>], got "${arg}"`);
  }
  return { deployment: parts[0], service: parts[1] ?? "" };
}

/** What {@link createStatusCommand} takes from the outside world. */
export interface StatusCommandOptions {
  /** Ctrl-C source while watching (default: the process's SIGINT). */
  interrupt?: () => Interrupt;
  /** Poll interval of `-w` (default 1 s). */
  pollMs?: number;
}

/** Builds `jaco status`. */
export function createStatusCommand(options: StatusCommandOptions = {}): Command {
  const interrupt = options.interrupt ?? processInterrupt;
  const pollMs = options.pollMs ?? 1000;
  return {
    usage: "jaco status [<deployment>[/<service>]] [-w] [transport flags] [-o table|json|yaml]",
    help: `Shows deployments, replicas, routes and certificates (optionally of one deployment or
one service), from the contacted node's replicated state.

  -w, --watch         keep re-printing when anything changes, until Ctrl-C
${transportHelp}`,
    flags: { watch: { type: "boolean", short: "w" }, ...transportFlagSpecs },
    args: { min: 0, max: 1 },
    async run(context) {
      const scope = parseScope(context.args[0]);
      const request: DeployStatusRequest = {
        deploymentFilter: scope.deployment,
        serviceFilter: scope.service,
      };
      const format = context.globals.output;
      return await withClient(context, async (client) => {
        const fetch = (): Promise<DeployStatusResponse> =>
          client.unary("Deploy", "Status", request, { deadlineMs: statusDeadlineMs });
        let last = await renderStatus(await fetch(), format);
        context.io.stdout(last);
        if (context.flags.watch !== true) return 0;
        const stop = interrupt();
        try {
          while (!stop.signal.aborted) {
            await sleep(pollMs, stop.signal);
            if (stop.signal.aborted) break;
            const next = await renderStatus(await fetch(), format);
            if (next === last) continue;
            context.io.stdout(format === "json" ? next : `---\n${next}`);
            last = next;
          }
        } finally {
          stop.dispose();
        }
        return 0;
      });
    },
  };
}

/** `jaco status` on the real Ctrl-C. */
export const statusCommand: Command = createStatusCommand();

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
