/**
 * Running the host's network tools (`nft`, `iptables`, `ip`, `wg`): one child process, optional
 * stdin, captured output. Every host-facing module of `net/` runs its tools through
 * {@link runHostCommand}, so they agree on how a missing tool looks.
 *
 * Decision: a program that cannot be started (not on `PATH`, not executable) is exit code 127
 * with the reason as stderr — the shell's convention — rather than an exception, so callers
 * handle "missing" and "failed" on one path.
 *
 * @module
 */

/** What a finished tool printed and how it exited. */
export interface HostCommandOutput {
  /** Exit code (127: the program could not be started). */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `program args…`, writing `stdin` to it when given (else stdin is closed).
 *
 * @example
 * ```ts
 * const { code, stdout } = await runHostCommand("nft", ["-j", "list", "tables"]);
 * ```
 */
export async function runHostCommand(
  program: string,
  args: string[],
  stdin?: string,
): Promise<HostCommandOutput> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    return { code: 127, stdout: "", stderr: `${program}: ${(error as Error).message}` };
  }
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin)).catch(() => undefined);
    await writer.close().catch(() => undefined);
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}
