/**
 * Value formats compose borrows from Go (durations, byte sizes). Each format
 * is one regular expression shared by the validator and the generated JSON
 * Schema, plus a parser for the callers that need the number.
 *
 * @module
 */

const durationUnitMs = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
} as const;

const durationPart = String.raw`(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h)`;

/**
 * A Go-style duration as compose writes it (`10s`, `1m30s`, `1.5h`, `500ms`);
 * a bare `0` is allowed like Go's `time.ParseDuration`. Negative durations
 * are refused: no compose duration means anything below zero.
 */
export const durationPattern: RegExp = new RegExp(`^(?:0|(?:${durationPart})+)$`);

/** Parses a duration matching {@link durationPattern} into milliseconds. */
export function parseDurationMs(text: string): number {
  if (!durationPattern.test(text)) throw new RangeError(`not a duration: ${text}`);
  let totalMs = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    totalMs += Number(m[1]) * durationUnitMs[m[2] as keyof typeof durationUnitMs];
  }
  return totalMs;
}

/**
 * A byte size as docker's `RAMInBytes` reads it: a number with an optional
 * `b/k/m/g/t/p` unit, optionally followed by `b` (`64m`, `1.5GB`, `512`).
 */
export const byteSizePattern: RegExp = /^\d+(?:\.\d+)?\s*(?:[bBkKmMgGtTpP][bB]?)?$/;

const byteUnit: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** Parses a byte size (string matching {@link byteSizePattern}, or a number of bytes). */
export function parseByteSize(value: string | number): number {
  if (typeof value === "number") return value;
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]?)/.exec(value);
  if (!m || !byteSizePattern.test(value)) throw new RangeError(`not a byte size: ${value}`);
  return Math.floor(Number(m[1]) * byteUnit[m[2].toLowerCase()]);
}
