/**
 * `jaco backup --output <file>` (cluster.md §8.1): streams `Cluster.Backup` from the leader into
 * `<file>` and prints `Wrote <n> bytes to <file>`.
 *
 * Decisions where the spec is silent:
 * - The archive is a credential store, so the file is created with mode 0600 and written to
 *   `<file>.partial` first, renamed into place only once the stream ended cleanly: a failed or
 *   interrupted backup never leaves a truncated archive under the requested name.
 * - `--output` names the file (cli.md §backup) while `-o` is the global format everywhere else
 *   (issue 4: every command honours `-o`). Both spellings land on one flag, so the command takes
 *   up to two values: one value is the file; with two, the one that is `table|json|yaml` is the
 *   format and the other the file (`jaco backup --output c.tgz -o json`). json/yaml print
 *   `{output, bytes}`.
 *
 * @module
 */
import type { Command } from "./_command.ts";
import { OutputFormat, renderResult } from "./_output.ts";
import { dialDaemon } from "./_transport.ts";
import { transportFlagSpecs } from "./_transport_flags.ts";
import { UsageError } from "./_usage_error.ts";

/** Client deadline of `jaco backup` (cli.md §1.5). */
export const backupDeadlineMs = 5 * 60_000;

/**
 * The file and format from the values of `--output`/`-o` (see module doc).
 *
 * @throws {UsageError} no file, or more values than one file and one format
 */
export function backupTarget(values: unknown): { file: string; format: OutputFormat } {
  const given = (Array.isArray(values) ? values : values === undefined ? [] : [values])
    .map(String);
  if (given.length === 1 && given[0] !== "") return { file: given[0], format: "table" };
  if (given.length === 2) {
    const formatAt = given.findLastIndex((value) => Object.hasOwn(OutputFormat, value));
    const file = given[1 - formatAt];
    if (formatAt >= 0 && file) return { file, format: given[formatAt] as OutputFormat };
  }
  if (given.length === 0) throw new UsageError("--output is required");
  throw new UsageError(
    `--output/-o given ${given.length} times: pass one file and at most one table|json|yaml`,
  );
}

/** `backup` output: `Wrote <n> bytes to <file>`, or `{output, bytes}` as json/yaml. */
export function formatBackup(file: string, bytes: number, format: OutputFormat): Promise<string> {
  return renderResult(format, `Wrote ${bytes} bytes to ${file}\n`, { output: file, bytes });
}

/** `jaco backup`. */
export const backupCommand: Command = {
  usage:
    "jaco backup --output <file> [-o table|json|yaml] [--socket <path> | --server <addr> --token <token>]",
  help: `Streams a backup of the cluster state from the leader into <file> (a gzip'd tar holding
meta.json and snapshot.bin). The file contains the cluster CA key and token hashes: keep it
encrypted and access-restricted. It is written with mode 0600.

  --output <file>     where to write the archive (required)
  --socket <path>     local daemon socket (default $JACO_SOCKET, else /var/run/jaco/jaco.sock)
  --server <addr>     daemon host:port over TLS (needs --token or JACO_TOKEN)
  --token <token>     operator token (default $JACO_TOKEN)
  --ca-cert <path>    cluster CA (default $JACO_CA_CERT, else /var/lib/jaco/node/ca.crt)
`,
  flags: { output: { type: "string", short: "o", multiple: true }, ...transportFlagSpecs },
  args: { min: 0, max: 0 },
  async run(context) {
    const { file: target, format } = backupTarget(context.flags.output);
    const partial = `${target}.partial`;
    const client = dialDaemon(context);
    let bytes = 0;
    const file = await Deno.open(partial, {
      write: true,
      create: true,
      truncate: true,
      mode: 0o600,
    })
      .catch((error: Error) => {
        client.close();
        throw new Error(`create output: ${error.message}`);
      });
    try {
      for await (
        const chunk of client.stream("Cluster", "Backup", {}, { deadlineMs: backupDeadlineMs })
      ) {
        const data = chunk.data as Uint8Array;
        await writeAll(file, data);
        bytes += data.length;
      }
      await file.sync();
      file.close();
      await Deno.rename(partial, target);
    } catch (error) {
      try {
        file.close();
      } catch {
        // Already closed after a successful sync; the rename is what failed.
      }
      await Deno.remove(partial).catch(() => undefined);
      throw error;
    } finally {
      client.close();
    }
    context.io.stdout(await formatBackup(target, bytes, format));
    return 0;
  },
};

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  try {
    for (let written = 0; written < data.length;) {
      written += await file.write(data.subarray(written));
    }
  } catch (error) {
    throw new Error(`write: ${(error as Error).message}`);
  }
}
