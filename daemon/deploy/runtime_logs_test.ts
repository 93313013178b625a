import assert from "node:assert/strict";
import type { ContainerEngine, EngineLogOptions } from "../../runtime/mod.ts";
import { runtimeLogReader } from "./runtime_logs.ts";

function frame(type: number, text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + payload.length);
  out[0] = type;
  new DataView(out.buffer).setUint32(4, payload.length);
  out.set(payload, 8);
  return out;
}

Deno.test("runtimeLogReader() maps since/tail onto the engine and yields demultiplexed lines", async () => {
  const calls: Array<{ id: string; options: EngineLogOptions }> = [];
  const engine = {
    logs(id: string, options: EngineLogOptions) {
      calls.push({ id, options });
      return Promise.resolve((async function* () {
        yield frame(1, "one\ntw");
        yield frame(1, "o\n");
        yield frame(2, "bad\n");
      })());
    },
  } as unknown as ContainerEngine;
  const now = new Date("2026-06-01T12:00:00Z");
  const read = runtimeLogReader(() => engine, () => now);
  const signal = new AbortController().signal;
  const lines = [];
  for await (const line of read("c1", { follow: true, sinceSeconds: 60, tail: 10, signal })) {
    lines.push(`${line.stream} ${line.line}`);
  }
  assert.deepEqual(lines, ["stdout one", "stdout two", "stderr bad"]);
  assert.equal(calls[0].id, "c1");
  assert.equal(calls[0].options.follow, true);
  assert.equal(calls[0].options.since?.toISOString(), "2026-06-01T11:59:00.000Z");
  assert.equal(calls[0].options.tail, 10);
  for await (const _ of read("c2", { follow: false, sinceSeconds: 0, tail: 0, signal })) {
    // drain
  }
  assert.equal(calls[1].options.since, undefined);
  assert.equal(calls[1].options.tail, undefined);
});
