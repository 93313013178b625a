/**
 * The CLI's edge: everything a command does to the outside world goes through
 * {@link CliIo}, so the same command code runs under Deno (`cli/main.ts`),
 * under Node (the npm `jaco-validate` bin) and in tests with an in-memory fake.
 *
 * @module
 */

/** Output streams, file reads and environment lookups for one CLI run. */
export interface CliIo {
  /** Writes text to standard output as is (callers add newlines). */
  stdout(text: string): void;
  /** Writes text to standard error as is (callers add newlines). */
  stderr(text: string): void;
  /** Reads a UTF-8 file; `undefined` when it does not exist, throws for other failures. */
  readTextFile(path: string): string | undefined;
  /** One environment variable (`JACO_LOG`, `JACO_TOKEN`, …). */
  env(name: string): string | undefined;
}

/** A {@link CliIo} that captures output and serves files from a map, for tests. */
export function memoryIo(
  files: Record<string, string> = {},
  env: Record<string, string> = {},
): CliIo & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
    readTextFile: (path: string) => Object.hasOwn(files, path) ? files[path] : undefined,
    env: (name: string) => Object.hasOwn(env, name) ? env[name] : undefined,
  };
  return io;
}
