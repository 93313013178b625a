/**
 * Container logs as lines (`jaco logs`; cli.md, rpc.md `Deploy.Logs`/`Internal.Logs`): reads
 * Docker's multiplexed log stream (8-byte frame headers: stream type, 3 zero bytes, big-endian
 * payload size), splits each stream into lines — a line may span frames — and parses the
 * RFC 3339 timestamp Docker prefixes when asked for timestamps.
 *
 * Decisions where the spec is silent: a final line without a newline is still emitted when the
 * stream ends; stdin frames (type 0) are reported as stdout; a line whose timestamp does not
 * parse keeps its full text and has no `ts`.
 *
 * @module
 */
import type { ContainerEngine } from "./engine.ts";

/** One log line of a replica. */
export interface LogLine {
  stream: "stdout" | "stderr";
  /** The line without its trailing newline (and without Docker's timestamp prefix). */
  line: string;
  /** When Docker received the line (absent when it could not be parsed). */
  ts?: Date;
}

/** Options of {@link replicaLogs}. */
export interface ReplicaLogOptions {
  /** Keep streaming new lines until `signal` aborts or the container stops. */
  follow?: boolean;
  /** Only lines at or after this time. */
  since?: Date;
  /** Only the last N lines before following (absent = all). */
  tail?: number;
  /** Ends the stream. */
  signal?: AbortSignal;
}

function splitTimestamp(text: string): { line: string; ts?: Date } {
  const space = text.indexOf(" ");
  if (space <= 0) return { line: text };
  const ts = new Date(text.slice(0, space));
  return Number.isNaN(ts.getTime()) ? { line: text } : { line: text.slice(space + 1), ts };
}

/**
 * Demultiplexes a Docker log stream into lines.
 *
 * @param timestamps the stream was requested with `timestamps=true` (parse the prefixes)
 */
export async function* demultiplexLogs(
  chunks: AsyncIterable<Uint8Array>,
  timestamps = true,
): AsyncGenerator<LogLine> {
  let buffer = new Uint8Array(0);
  const pending: Record<LogLine["stream"], string> = { stdout: "", stderr: "" };
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  const toLine = (stream: LogLine["stream"], text: string): LogLine =>
    timestamps ? { stream, ...splitTimestamp(text) } : { stream, line: text };
  for await (const chunk of chunks) {
    const joined = new Uint8Array(buffer.length + chunk.length);
    joined.set(buffer);
    joined.set(chunk, buffer.length);
    buffer = joined;
    while (buffer.length >= 8) {
      const size = new DataView(buffer.buffer, buffer.byteOffset).getUint32(4);
      if (buffer.length < 8 + size) break;
      const stream = buffer[0] === 2 ? "stderr" : "stdout";
      pending[stream] += decoders[stream].decode(buffer.subarray(8, 8 + size), { stream: true });
      buffer = buffer.slice(8 + size);
      const lines = pending[stream].split("\n");
      pending[stream] = lines.pop()!;
      for (const text of lines) yield toLine(stream, text);
    }
  }
  for (const stream of ["stdout", "stderr"] as const) {
    const rest = pending[stream] + decoders[stream].decode();
    if (rest !== "") yield toLine(stream, rest);
  }
}

/**
 * Streams the log lines of a replica container (by container id or name `jaco_<replica id>`).
 *
 * @throws whatever the engine throws opening the stream (e.g. no such container)
 * @example
 * ```ts
 * const engine = dockerEngine({ socketPath: "/run/docker.sock" });
 * for await (const { stream, line, ts } of replicaLogs(engine, "jaco_shop-web-0", { tail: 10 })) {
 *   console.log(ts?.toISOString(), stream, line);
 * }
 * ```
 */
export async function* replicaLogs(
  engine: ContainerEngine,
  container: string,
  options: ReplicaLogOptions = {},
): AsyncGenerator<LogLine> {
  const chunks = await engine.logs(container, {
    follow: options.follow ?? false,
    since: options.since,
    tail: options.tail,
    signal: options.signal,
  });
  yield* demultiplexLogs(chunks);
}
