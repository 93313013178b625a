/**
 * `jaco delete <deployment>` (cli.md `jaco delete`): a leader write through any member, over the
 * socket or `--server`. An unknown deployment is `deployment_not_found`. Containers are removed
 * by the node agents; named volumes are kept (remove them on the hosts when the data can go).
 * stdout `Deleted deployment: <name>`; `-o json|yaml`: `{deleted: <name>}`.
 *
 * @module
 */
import type { Command } from "./_command.ts";
import { type OutputFormat, renderResult } from "./_output.ts";
import { transportFlagSpecs } from "./_transport_flags.ts";
import { statusDeadlineMs, transportHelp, withClient } from "./status.ts";

/** `delete` output: the one line, or `{deleted: <name>}` as json/yaml. */
export function formatDeleted(deployment: string, format: OutputFormat): Promise<string> {
  return renderResult(format, `Deleted deployment: ${deployment}\n`, { deleted: deployment });
}

/** `jaco delete`. */
export const deleteCommand: Command = {
  usage: "jaco delete <deployment> [transport flags]",
  help: `Deletes a deployment: its routes, TCP routes, replicas and subnets go in one commit, and
every node removes its containers. Named volumes are kept.

${transportHelp}`,
  flags: { ...transportFlagSpecs },
  args: { min: 1, max: 1 },
  async run(context) {
    const deployment = context.args[0];
    await withClient(
      context,
      (client) =>
        client.unary("Deploy", "Delete", { deployment }, { deadlineMs: statusDeadlineMs }),
    );
    context.io.stdout(await formatDeleted(deployment, context.globals.output));
    return 0;
  },
};
