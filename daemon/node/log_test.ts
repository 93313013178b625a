import assert from "node:assert/strict";
import { textLogger } from "./log.ts";

Deno.test("textLogger() drops records below its level and quotes values with spaces", () => {
  const lines: string[] = [];
  const log = textLogger({
    level: "info",
    write: (line) => lines.push(line),
    now: () => new Date("2026-06-01T12:00:00.123Z"),
  });
  log.debug("hidden");
  log.info("listening", { socket: "/run/jaco/jaco.sock", port: 7000 });
  log.warn("oops", { error: "a b", empty: "" });
  assert.deepEqual(lines, [
    "2026-06-01T12:00:00Z INFO listening socket=/run/jaco/jaco.sock port=7000",
    '2026-06-01T12:00:00Z WARN oops error="a b" empty=""',
  ]);
});
