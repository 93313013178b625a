import assert from "node:assert/strict";
import { demultiplexLogs, type LogLine } from "./logs.ts";

function frame(stream: number, text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const bytes = new Uint8Array(8 + payload.length);
  bytes[0] = stream;
  new DataView(bytes.buffer).setUint32(4, payload.length);
  bytes.set(payload, 8);
  return bytes;
}

async function collect(chunks: Uint8Array[], timestamps = true): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  for await (
    const line of demultiplexLogs(
      (async function* () {
        yield* chunks;
      })(),
      timestamps,
    )
  ) lines.push(line);
  return lines;
}

Deno.test("demultiplexLogs() splits frames into stream lines with timestamps", async () => {
  const lines = await collect([
    frame(1, "2026-01-01T00:00:00.123456789Z hello\n2026-01-01T00:00:01Z world\n"),
    frame(2, "2026-01-01T00:00:02Z oops\n"),
  ]);
  assert.deepEqual(lines.map((l) => [l.stream, l.line, l.ts?.toISOString()]), [
    ["stdout", "hello", "2026-01-01T00:00:00.123Z"],
    ["stdout", "world", "2026-01-01T00:00:01.000Z"],
    ["stderr", "oops", "2026-01-01T00:00:02.000Z"],
  ]);
});

Deno.test("demultiplexLogs() joins lines and headers split across chunks", async () => {
  const whole = new Uint8Array([
    ...frame(1, "2026-01-01T00:00:00Z par"),
    ...frame(1, "tial\n"),
    ...frame(2, "2026-01-01T00:00:00Z é\n"),
  ]);
  const chunks = [whole.slice(0, 3), whole.slice(3, 20), whole.slice(20, 51), whole.slice(51)];
  const lines = await collect(chunks);
  assert.deepEqual(lines.map((l) => [l.stream, l.line]), [["stdout", "partial"], ["stderr", "é"]]);
});

Deno.test("demultiplexLogs() emits a last line without newline and keeps unparsable prefixes", async () => {
  const lines = await collect([frame(1, "no-timestamp here\nlast")]);
  assert.deepEqual(lines, [
    { stream: "stdout", line: "no-timestamp here" },
    { stream: "stdout", line: "last" },
  ]);
  assert.deepEqual(await collect([frame(1, "2026 x\n")], false), [{
    stream: "stdout",
    line: "2026 x",
  }]);
});
