import assert from "node:assert/strict";
import type { MemberContext } from "./member_loops.ts";
import { startMemberLoops } from "./member_loops.ts";
import { textLogger } from "./log.ts";

Deno.test("startMemberLoops starts every loop, logs and skips one that throws, stops the rest", async () => {
  const lines: string[] = [];
  const events: string[] = [];
  const context = {
    nodeName: "n1",
    log: textLogger({ level: "info", write: (line) => lines.push(line) }),
    signal: new AbortController().signal,
  } as unknown as MemberContext;
  const loops = startMemberLoops(context, [
    {
      name: "a",
      start: (ctx) => {
        events.push(`start a ${ctx.nodeName}`);
        return { stop: () => Promise.resolve(void events.push("stop a")) };
      },
    },
    {
      name: "broken",
      start: () => {
        throw new Error("boom");
      },
    },
    {
      name: "b",
      start: () => {
        events.push("start b");
        return { stop: () => Promise.reject(new Error("stop failed")) };
      },
    },
  ]);
  assert.deepEqual(events, ["start a n1", "start b"]);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /ERROR member loop failed to start loop=broken error=boom/);
  await loops.stop();
  assert.deepEqual(events, ["start a n1", "start b", "stop a"]);
});
