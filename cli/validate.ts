/**
 * `jaco validate [--jaco <path>] [--compose <path>]` (cli.md §7): offline
 * validation of a jaco.yaml and/or compose file with the daemon's own rules
 * (manifests.md §4 steps 2–5, plus step 7 when both files are known). No
 * `environment:` interpolation and no cluster facts, so `${TAG}` in an image
 * still validates structurally.
 *
 * Given only `--jaco`, the compose file is looked for next to it
 * (`compose.yml`, `compose.yaml`, `docker-compose.yml`, `docker-compose.yaml`)
 * and cross-checked when found; when none is there only jaco.yaml is checked
 * and the OK line says so.
 *
 * Output: one `OK: …` line (table), or with `-o json|yaml` a report object
 * `{valid: true, jaco, compose, deployment, services, routes, tcp_routes,
 * networks, volumes, cross_checked}`. The spec's reference allows only table
 * here; structured output is the "do better" its gaps section asks for. A
 * failure is the usual `Error: <code>: <message>` (or the JSON envelope on
 * stdout with `-o json`), exit 1.
 *
 * @module
 */

import { discoverComposePath, validateManifests, type ValidationReport } from "../compose/mod.ts";
import type { Command } from "./_command.ts";
import type { CliIo } from "./_io.ts";
import { type OutputFormat, renderStructured } from "./_output.ts";
import { UsageError } from "./_usage_error.ts";

/** Which files to validate (paths as the user gave them). */
export interface ValidateRequest {
  jacoPath?: string;
  composePath?: string;
}

/** A successful validation: the files that were checked and what they hold. */
export interface ValidateOutcome {
  jacoPath?: string;
  composePath?: string;
  report: ValidationReport;
}

/**
 * Reads and validates the requested files (discovering compose next to
 * jaco.yaml when only `jacoPath` is given).
 *
 * @throws {UsageError} neither path given
 * @throws {Error} `read <path>: <reason>` for a missing or unreadable file
 * @throws {JacoError} the first validation failure
 */
export function validateFiles(
  request: ValidateRequest,
  readTextFile: CliIo["readTextFile"],
): ValidateOutcome {
  const { jacoPath } = request;
  if (!jacoPath && !request.composePath) {
    throw new UsageError("at least one of --jaco or --compose is required");
  }
  const read = (path: string): string => {
    let text: string | undefined;
    try {
      text = readTextFile(path);
    } catch (error) {
      throw new Error(`read ${path}: ${error instanceof Error ? error.message : error}`);
    }
    if (text === undefined) throw new Error(`read ${path}: no such file`);
    return text;
  };
  const jaco = jacoPath ? read(jacoPath) : undefined;
  const found = new Map<string, string>();
  const composePath = jacoPath
    ? discoverComposePath(jacoPath, (path) => {
      try {
        const text = readTextFile(path);
        if (text !== undefined) found.set(path, text);
        return text !== undefined;
      } catch {
        return true; // present but unreadable: read() below reports why
      }
    }, request.composePath || undefined)
    : request.composePath;
  const compose = composePath === undefined
    ? undefined
    : found.get(composePath) ?? read(composePath);
  return { jacoPath, composePath, report: validateManifests({ jaco, compose }) };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** The success output of `jaco validate` in the requested format. */
export async function formatValidateOutcome(
  outcome: ValidateOutcome,
  format: OutputFormat,
): Promise<string> {
  const { jacoPath, composePath, report } = outcome;
  if (format !== "table") {
    return await renderStructured({
      valid: true,
      ...(jacoPath === undefined ? {} : { jaco: jacoPath }),
      ...(composePath === undefined ? {} : { compose: composePath }),
      ...(report.deployment === undefined ? {} : { deployment: report.deployment }),
      services: report.services,
      routes: report.routes,
      tcp_routes: report.tcpRoutes,
      networks: report.networks,
      volumes: report.volumes,
      cross_checked: report.crossChecked,
      warnings: report.warnings,
    }, format);
  }
  const services = plural(report.services.length, "service");
  if (jacoPath && composePath) {
    return `OK: ${jacoPath} + ${composePath} valid (deployment "${report.deployment}", ${services})\n`;
  }
  if (jacoPath) {
    return `OK: ${jacoPath} valid (deployment "${report.deployment}"; ` +
      `no compose file next to it, cross-checks skipped)\n`;
  }
  return `OK: ${composePath} valid (${services})\n`;
}

/** `jaco validate`. */
export const validateCommand: Command = {
  usage: "jaco validate [--jaco <path>] [--compose <path>]",
  help: `Validates manifests locally, offline, with the daemon's rules: jaco.yaml, then the
compose file, then (both known) that every jaco.yaml service exists in compose.
Stops at the first failure. Does not interpolate \${VAR} or contact the cluster.

Flags:
  --jaco <path>      jaco.yaml to validate; compose is looked for next to it
                     (compose.yml, compose.yaml, docker-compose.yml, docker-compose.yaml)
  --compose <path>   compose file to validate (overrides discovery)
`,
  flags: { jaco: { type: "string" }, compose: { type: "string" } },
  args: { min: 0, max: 0 },
  async run({ flags, globals, io, log }) {
    const request = {
      jacoPath: flags.jaco as string | undefined,
      composePath: flags.compose as string | undefined,
    };
    log.debug(`validate: jaco=${request.jacoPath ?? "-"} compose=${request.composePath ?? "-"}`);
    const outcome = validateFiles(request, io.readTextFile);
    if (outcome.composePath !== request.composePath) {
      log.debug(`validate: compose file discovered at ${outcome.composePath ?? "(none)"}`);
    }
    io.stdout(await formatValidateOutcome(outcome, globals.output));
    // Warnings (ignored compose keys, bind mounts every node must have, …) never fail
    // validation; in table form they go to stderr so stdout stays the one OK line.
    if (globals.output === "table") {
      for (const warning of outcome.report.warnings) io.stderr(`warning: ${warning}\n`);
    }
    return 0;
  },
};
