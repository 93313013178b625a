/**
 * Runs a command in the root namespaces and collects its output. Every
 * namespace, cgroup and mount operation of the rig goes through here, so a
 * failing step names the exact command and its stderr.
 */

/** Outcome of a finished command. */
export interface ExecResult {
  /** Exit code (128 + signal number when killed by a signal). */
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@linkcode run}. */
interface RunOptions {
  /** Text fed to stdin; stdin is closed (null) when absent. */
  stdin?: string;
  /** Extra environment variables on top of the rig process's own. */
  env?: Record<string, string>;
  /** Kill the command (SIGKILL) and throw after this long. */
  timeoutMs?: number;
  /** Throw a {@linkcode RigError} when the exit code is not 0. */
  check?: boolean;
}

/** A rig operation failed; `cause` carries the underlying error when there is one. */
export class RigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RigError";
  }
}

const decoder = new TextDecoder();

/**
 * Runs `cmd` to completion.
 *
 * @throws {RigError} when the command cannot be started, times out, or (with `check`) fails
 */
export async function run(cmd: readonly string[], options: RunOptions = {}): Promise<ExecResult> {
  const timeout = options.timeoutMs === undefined
    ? undefined
    : AbortSignal.timeout(options.timeoutMs);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      env: options.env,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    throw new RigError(`cannot start ${JSON.stringify(cmd[0])}`, { cause: error });
  }
  const onTimeout = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited between the timer firing and the kill: nothing to stop.
    }
  };
  timeout?.addEventListener("abort", onTimeout, { once: true });
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin)).catch(() => {
      // The command exited without reading all of stdin; its exit code tells the story.
    });
    await writer.close().catch(() => {/* same as above: reader already gone */});
  }
  const output = await child.output();
  timeout?.removeEventListener("abort", onTimeout);
  const result = {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
  if (timeout?.aborted) {
    throw new RigError(`${describe(cmd)} timed out after ${options.timeoutMs} ms`);
  }
  if (options.check && result.code !== 0) {
    throw new RigError(
      `${describe(cmd)} exited with code ${result.code}: ${
        result.stderr.trim() || result.stdout.trim()
      }`,
    );
  }
  return result;
}

/** Shortened command line for error messages. */
function describe(cmd: readonly string[]): string {
  const text = cmd.join(" ");
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

/** Whether a process with this PID exists (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    // No /proc entry: the process is gone.
    return false;
  }
}

/** The process's start time in clock ticks since boot (field 22 of /proc/PID/stat). */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    // Process gone: no start time to report.
    return undefined;
  }
}

/** Sends `signal` to `pid`, treating an already-exited process as success. */
export function signalPid(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
