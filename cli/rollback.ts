/**
 * `jaco rollback <deployment> [--revision N]` (cli.md `jaco rollback`): a leader write through
 * any member, over the socket or `--server` (the reference required `--server`). Without
 * `--revision` it returns to the previous revision; with it, to any revision the cluster still
 * retains (the last 10). stdout `Rolled back to revision: <N>`; `-o json|yaml`:
 * `{deployment, revision}`.
 *
 * @module
 */
import type { Command } from "./_command.ts";
import { type OutputFormat, renderResult } from "./_output.ts";
import { transportFlagSpecs } from "./_transport_flags.ts";
import { UsageError } from "./_usage_error.ts";
import { statusDeadlineMs, transportHelp, withClient } from "./status.ts";

/**
 * Parses `--revision`: a positive integer, or 0 when absent.
 *
 * @throws {UsageError} `--revision: expected a positive integer, got "<v>"`
 */
export function parseRevision(value: unknown): number {
  if (typeof value !== "string") return 0;
  if (!/^[1-9]\d{0,15}$/.test(value)) {
    throw new UsageError(`--revision: expected a positive integer, got "${value}"`);
  }
  return Number(value);
}

/** `rollback` output: the one line, or `{deployment, revision}` as json/yaml. */
export function formatRolledBack(
  deployment: string,
  revision: number,
  format: OutputFormat,
): Promise<string> {
  return renderResult(format, `Rolled back to revision: ${revision}\n`, {
    deployment,
    revision: Number(revision),
  });
}

/** `jaco rollback`. */
export const rollbackCommand: Command = {
  usage: "jaco rollback <deployment> [--revision N] [transport flags]",
  help: `Returns a deployment to its previous revision (or to --revision N while retained):
its services, routes and TCP routes come back; the scheduler rolls the replicas.

  --revision <N>      the revision to return to (default: the previous one)
${transportHelp}`,
  flags: { revision: { type: "string" }, ...transportFlagSpecs },
  args: { min: 1, max: 1 },
  async run(context) {
    const revision = parseRevision(context.flags.revision);
    const response = await withClient(
      context,
      (client) =>
        client.unary("Deploy", "Rollback", { deployment: context.args[0], revision }, {
          deadlineMs: statusDeadlineMs,
        }),
    );
    context.io.stdout(
      await formatRolledBack(context.args[0], response.revision, context.globals.output),
    );
    return 0;
  },
};
