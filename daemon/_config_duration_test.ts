import assert from "node:assert/strict";
import { formatDuration, parseSignedDurationMs } from "./_config_duration.ts";

Deno.test("parseSignedDurationMs() reads Go-style durations, signed, in milliseconds", () => {
  const cases: [string, number | undefined][] = [
    ["30s", 30_000],
    ["1m", 60_000],
    ["1m30s", 90_000],
    ["90s", 90_000],
    ["1.5h", 5_400_000],
    ["250ms", 250],
    ["0", 0],
    ["-0", 0],
    ["-5s", -5_000],
    ["+5s", 5_000],
    ["5", undefined],
    ["5 s", undefined],
    ["s", undefined],
    ["", undefined],
    ["1d", undefined],
    ["--5s", undefined],
  ];
  for (const [text, ms] of cases) assert.equal(parseSignedDurationMs(text), ms, text);
});

Deno.test("formatDuration() prints like Go's time.Duration.String", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [5_000, "5s"],
    [300_000, "5m0s"],
    [90_000, "1m30s"],
    [3_600_000, "1h0m0s"],
    [3_725_500, "1h2m5.5s"],
    [4_999, "4.999s"],
    [500, "500ms"],
    [1.5, "1.5ms"],
    [0.002, "2µs"],
    [0.000_001, "1ns"],
    [-30_000, "-30s"],
  ];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms));
});
