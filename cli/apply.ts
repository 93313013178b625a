/**
 * `jaco apply [<jaco.yaml>] [--jaco <path>] [-f|--compose <path>] [--dry-run] [--detach]`
 * (cli.md `jaco apply`, manifests.md §3): the client pipeline (read, discover compose, load the
 * `environment:` file, interpolate, fold `env_file`), one `Deploy.Apply`, then the diff and —
 * unless `--dry-run` or `--detach` — live progress until the revision converges or fails.
 *
 * Decisions where the spec is silent or the reference differs:
 * - jaco.yaml is the argument or `--jaco`; without either, `./jaco.yaml`. `-f` is short for
 *   `--compose`.
 * - After a commit the diff is printed as under `--dry-run` (`+`/`~`/`-` lines, or `No changes`),
 *   then `Applied revision: <N>`, then one progress line whenever it changes (polled every
 *   second). Converged → `Revision <N> converged: …`, exit 0; failed → the reason as a plain
 *   error, exit 1; `--timeout` (default 5m) passing → exit 1; Ctrl-C stops watching, exit 0 (the
 *   revision stays committed).
 * - Unset-variable warnings are printed to stderr as `warning: <message>`.
 * - `-o json|yaml` (issue 4): the diff and progress lines go to stderr and stdout gets one
 *   document at the end, `{deployment, revision, dry_run, diff: {adds, updates, removes},
 *   result, progress?}` with `result` ∈ `dry_run`, `detached`, `converged`, `interrupted`
 *   (failures stay plain errors, exit 1).
 *
 * @module
 */
import { resolve } from "node:path";
import {
  discoverComposePath,
  parseDurationMs,
  parseJacoManifest,
  prepareComposeForApply,
} from "../compose/mod.ts";
import type { ApplyResponse, Diff } from "../proto/mod.ts";
import type { Command, CommandContext } from "./_command.ts";
import { type OutputFormat, renderStructured } from "./_output.ts";
import { transportFlagSpecs } from "./_transport_flags.ts";
import { UsageError } from "./_usage_error.ts";
import { type Interrupt, processInterrupt } from "./audit.ts";
import { judgeProgress } from "./apply_progress.ts";
import { sleep, statusDeadlineMs, transportHelp, withClient } from "./status.ts";

/** Client deadline of the Apply call (cli.md §1.5). */
export const applyDeadlineMs = 30_000;
/** Default bound of the progress wait. */
export const defaultProgressTimeoutMs = 5 * 60_000;

/** The diff as printed: adds, updates, removes, or `No changes`. */
export function formatDiff(diff: Diff | undefined): string {
  const lines = [
    ...(diff?.adds ?? []).map((entry) => `+ ${entry}`),
    ...(diff?.updates ?? []).map((entry) => `~ ${entry}`),
    ...(diff?.removes ?? []).map((entry) => `- ${entry}`),
  ];
  return lines.length === 0 ? "No changes\n" : lines.join("\n") + "\n";
}

/** How an apply ended, for `-o json|yaml`. */
export type ApplyResult = "dry_run" | "detached" | "converged" | "interrupted";

/** The `-o json|yaml` document of `apply` (see module doc). */
export function applyDocument(
  format: Exclude<OutputFormat, "table">,
  outcome: {
    deployment: string;
    revision: number;
    dryRun: boolean;
    diff: Diff | undefined;
    result: ApplyResult;
    progress?: string;
  },
): Promise<string> {
  const document: Record<string, unknown> = {
    deployment: outcome.deployment,
    revision: outcome.revision,
    dry_run: outcome.dryRun,
    diff: {
      adds: [...(outcome.diff?.adds ?? [])],
      updates: [...(outcome.diff?.updates ?? [])],
      removes: [...(outcome.diff?.removes ?? [])],
    },
    result: outcome.result,
  };
  if (outcome.progress) document.progress = outcome.progress;
  return renderStructured(document, format);
}

/** Raised when the applied revision fails to converge (plain message, exit 1). */
export class ApplyFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ApplyFailedError";
  }
}

/** The request texts of an apply, after the client pipeline. */
export interface PreparedApply {
  jacoText: string;
  composeText: string;
  warnings: string[];
}

/**
 * Runs cli.md `jaco apply` steps 1–4 through `io`.
 *
 * @throws {Error} `read <path>: …`, `no compose file found next to <jaco.yaml>; pass --compose
 *   explicitly`; {JacoError} from preprocessing
 */
export function prepareApply(
  io: CommandContext["io"],
  jacoArg: string,
  composeArg: string | undefined,
): PreparedApply {
  const jacoPath = resolve(jacoArg);
  const read = (path: string) => {
    let text: string | undefined;
    try {
      text = io.readTextFile(path);
    } catch (error) {
      throw new Error(`read ${path}: ${(error as Error).message}`);
    }
    if (text === undefined) throw new Error(`read ${path}: no such file or directory`);
    return text;
  };
  const jacoText = read(jacoPath);
  const composePath = discoverComposePath(
    jacoPath,
    (path) => io.readTextFile(path) !== undefined,
    composeArg === undefined ? undefined : resolve(composeArg),
  );
  if (composePath === undefined) {
    throw new Error(`no compose file found next to ${jacoArg}; pass --compose explicitly`);
  }
  const prepared = prepareComposeForApply({
    jacoText,
    jacoPath,
    composeText: read(composePath),
    composePath,
    readFile: (path) => io.readTextFile(path),
  });
  return {
    jacoText,
    composeText: prepared.composeText,
    warnings: prepared.warnings.map((warning) => warning.message),
  };
}

/** What {@link createApplyCommand} takes from the outside world. */
export interface ApplyCommandOptions {
  /** Ctrl-C source while watching progress (default: the process's SIGINT). */
  interrupt?: () => Interrupt;
  /** Progress poll interval (default 1 s). */
  pollMs?: number;
}

/** Builds `jaco apply`. */
export function createApplyCommand(options: ApplyCommandOptions = {}): Command {
  const interrupt = options.interrupt ?? processInterrupt;
  const pollMs = options.pollMs ?? 1000;
  return {
    usage:
      "jaco apply [<jaco.yaml>] [--jaco <path>] [-f|--compose <path>] [--dry-run] [--detach] [--timeout <dur>] [transport flags]",
    help: `Resolves the compose file (environment file, \${VAR}, env_file) and applies the pair.

  --jaco <path>       jaco.yaml (or give it as the argument; default ./jaco.yaml)
  -f, --compose <p>   compose file (default compose.yml, compose.yaml, docker-compose.yml,
                      docker-compose.yaml next to jaco.yaml)
  --dry-run           validate and print the diff; commit nothing
  --detach            do not wait for the revision to converge
  --timeout <dur>     how long to wait for convergence (default 5m)
${transportHelp}`,
    flags: {
      jaco: { type: "string" },
      compose: { type: "string", short: "f" },
      "dry-run": { type: "boolean" },
      detach: { type: "boolean" },
      timeout: { type: "string" },
      ...transportFlagSpecs,
    },
    args: { min: 0, max: 1 },
    async run(context) {
      const { flags, io } = context;
      const format = context.globals.output;
      // With -o json|yaml the human lines go to stderr; stdout gets one document at the end.
      const say = (text: string) => format === "table" ? io.stdout(text) : io.stderr(text);
      const named = typeof flags.jaco === "string" ? flags.jaco : undefined;
      if (named !== undefined && context.args[0] !== undefined && named !== context.args[0]) {
        throw new UsageError(`jaco.yaml given twice: "${context.args[0]}" and --jaco "${named}"`);
      }
      let timeoutMs = defaultProgressTimeoutMs;
      if (typeof flags.timeout === "string") {
        try {
          timeoutMs = parseDurationMs(flags.timeout);
        } catch (error) {
          throw new UsageError(`--timeout: ${(error as Error).message}`);
        }
      }
      const prepared = prepareApply(
        io,
        context.args[0] ?? named ?? "jaco.yaml",
        typeof flags.compose === "string" ? flags.compose : undefined,
      );
      for (const warning of prepared.warnings) io.stderr(`warning: ${warning}\n`);
      const encoder = new TextEncoder();
      const dryRun = flags["dry-run"] === true;
      return await withClient(context, async (client) => {
        const response: ApplyResponse = await client.unary("Deploy", "Apply", {
          jacoYaml: encoder.encode(prepared.jacoText),
          composeYaml: encoder.encode(prepared.composeText),
          dryRun,
        }, { deadlineMs: applyDeadlineMs });
        const deployment = deploymentName(prepared.jacoText);
        const revision = Number(response.appliedRevision);
        const done = async (result: ApplyResult, progress?: string) => {
          if (format !== "table") {
            io.stdout(
              await applyDocument(format, {
                deployment,
                revision,
                dryRun,
                diff: response.diff,
                result,
                progress,
              }),
            );
          }
          return 0;
        };
        say(formatDiff(response.diff));
        if (dryRun) return await done("dry_run");
        say(`Applied revision: ${revision}\n`);
        if (flags.detach === true) return await done("detached");
        const stop = interrupt();
        const deadline = Date.now() + timeoutMs;
        let last = "";
        try {
          while (!stop.signal.aborted) {
            const [status, replicas] = await Promise.all([
              client.unary(
                "Deploy",
                "Status",
                { deploymentFilter: deployment, serviceFilter: "" },
                {
                  deadlineMs: statusDeadlineMs,
                },
              ),
              client.unary("Deploy", "GetReplicas", {
                deploymentFilter: deployment,
                serviceFilter: "",
                replicaId: "",
              }, { deadlineMs: statusDeadlineMs }),
            ]);
            const progress = judgeProgress(deployment, revision, status, replicas);
            if (progress.kind === "failed") {
              throw new ApplyFailedError(`revision ${revision} failed: ${progress.reason}`);
            }
            if (progress.kind === "converged") {
              say(`Revision ${revision} converged: ${progress.line}\n`);
              return await done("converged", progress.line);
            }
            if (progress.line !== last) say(`waiting: ${progress.line}\n`);
            last = progress.line;
            if (Date.now() >= deadline) {
              throw new ApplyFailedError(
                `revision ${revision} did not converge within ${flags.timeout ?? "5m"}: ${last}`,
              );
            }
            await sleep(pollMs, stop.signal);
          }
          return await done("interrupted", last);
        } finally {
          stop.dispose();
        }
      });
    },
  };
}

/** The deployment name of an already validated jaco.yaml text (the daemon accepted it). */
function deploymentName(jacoText: string): string {
  return parseJacoManifest(jacoText).deployment;
}

/** `jaco apply` on the real Ctrl-C. */
export const applyCommand: Command = createApplyCommand();
