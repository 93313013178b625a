import assert from "node:assert/strict";
import { chooseLogLevel, parseLogLevel } from "./config_log_level.ts";

Deno.test("parseLogLevel() reads levels case-insensitively with warning as warn", () => {
  const cases: [string, string | undefined][] = [
    ["debug", "debug"],
    ["INFO", "info"],
    ["warn", "warn"],
    ["Warning", "warn"],
    ["error", "error"],
    [" info ", "info"],
    ["trace", undefined],
    ["", undefined],
    ["constructor", undefined],
  ];
  for (const [text, level] of cases) assert.equal(parseLogLevel(text), level, text);
});

Deno.test("parseLogLevel() honours only the leading global token of a JACO_LOG value", () => {
  assert.equal(parseLogLevel("info,scheduler=debug"), "info");
  assert.equal(parseLogLevel("scheduler=debug"), undefined);
});

Deno.test("chooseLogLevel() prefers the flag, then the env, then the config", () => {
  assert.deepEqual(chooseLogLevel({ flag: "error", env: "debug", config: "warn" }), {
    level: "error",
    warnings: [],
  });
  assert.equal(chooseLogLevel({ env: "debug", config: "warn" }).level, "debug");
  assert.equal(chooseLogLevel({ config: "warn" }).level, "warn");
  assert.equal(chooseLogLevel({ flag: "nope", env: "nope", config: "info" }).level, "info");
});
