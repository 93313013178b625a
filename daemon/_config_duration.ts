/**
 * Go-style durations as `jacod.yaml` writes them (`30s`, `1m30s`, `90s`,
 * `1.5m`) and as its messages print them (`5m0s`, like Go's
 * `time.Duration.String`, so the bounds in messages read the same as the
 * reference's).
 *
 * @module
 */

import { parseDurationMs } from "../compose/mod.ts";

/**
 * Parses a duration, optionally negative (so a range rule can name the value
 * instead of failing as "not a duration"), into milliseconds; `undefined`
 * when the text is not a duration.
 */
export function parseSignedDurationMs(text: string): number | undefined {
  const negative = text.startsWith("-");
  const magnitude = negative || text.startsWith("+") ? text.slice(1) : text;
  try {
    const ms = parseDurationMs(magnitude);
    return negative && ms !== 0 ? -ms : ms;
  } catch {
    // parseDurationMs signals "not a duration" with RangeError; that is the answer here.
    return undefined;
  }
}

/** Formats milliseconds like Go's `time.Duration.String` (`5m0s`, `1h0m0s`, `1.5s`, `250ms`). */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const ns = Math.round(Math.abs(ms) * 1e6);
  if (ns === 0) return "0s";
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${trimmed(ns / 1e3)}µs`;
  if (ns < 1e9) return `${sign}${trimmed(ns / 1e6)}ms`;
  const hours = Math.floor(ns / 3.6e12);
  const minutes = Math.floor((ns % 3.6e12) / 6e10);
  const seconds = (ns % 6e10) / 1e9;
  const hoursText = hours > 0 ? `${hours}h` : "";
  const minutesText = hours > 0 || minutes > 0 ? `${minutes}m` : "";
  return `${sign}${hoursText}${minutesText}${trimmed(seconds)}s`;
}

function trimmed(value: number): string {
  return Number(value.toFixed(9)).toString();
}
