/**
 * `deno task sim --seeds N [--start S] [--verbose]`: runs the randomized KV
 * workload for seeds S..S+N-1 (default S = 1) on the deterministic raft
 * simulation and reports every failing seed as
 * `seed=<n> FAILED: <reason>` (replay one with `--start <n> --seeds 1`;
 * `--verbose` also prints its nemesis log and history). The last line is
 * always `seeds=N violations=V`; the exit code is 1 when V > 0.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ErrorCode, JacoError } from "../../proto/errors.ts";
import { runSeed } from "./workload.ts";

/** Parsed command line of the sim task. */
export interface SimArgs {
  seeds: number;
  start: number;
  verbose: boolean;
}

/**
 * Parses the sim task's arguments.
 *
 * @throws {JacoError} `validation_failed` when `--seeds` or `--start` is not a
 * non-negative integer (or an option is unknown)
 */
export function parseSimArgs(args: string[]): SimArgs {
  let values: { seeds: string; start: string; verbose: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        seeds: { type: "string", default: "100" },
        start: { type: "string", default: "1" },
        verbose: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    throw new JacoError(ErrorCode.validation_failed, (error as Error).message, {}, {
      cause: error,
    });
  }
  const integer = (name: string, text: string): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new JacoError(
        ErrorCode.validation_failed,
        `--${name} must be a non-negative integer, got ${JSON.stringify(text)}`,
        { field: name, value: text },
      );
    }
    return value;
  };
  return {
    seeds: integer("seeds", values.seeds),
    start: integer("start", values.start),
    verbose: values.verbose,
  };
}

/** Runs the seeds, printing failures as they happen; returns the number of violating seeds. */
export function runSeeds(args: SimArgs, print: (line: string) => void): number {
  let violations = 0;
  let unknown = 0;
  const progressEvery = Math.max(100, Math.ceil(args.seeds / 10));
  const startedMs = performance.now();
  for (let i = 0; i < args.seeds; i++) {
    const seed = args.start + i;
    const result = runSeed(seed);
    if (result.checkerUnknown) {
      unknown++;
      print(`seed=${seed} checker budget exhausted (not counted as a violation)`);
    }
    if (!result.ok) {
      violations++;
      print(`seed=${seed} FAILED: ${result.failures.join("; ")}`);
    }
    if (args.verbose) {
      print(`seed=${seed} ${result.nemesisLog.join("\n  ")}`);
      for (const op of result.history) print(`  ${JSON.stringify(op)}`);
    }
    if ((i + 1) % progressEvery === 0 && i + 1 < args.seeds) {
      const seconds = ((performance.now() - startedMs) / 1000).toFixed(1);
      print(`… ${i + 1}/${args.seeds} seeds, ${violations} violations, ${seconds}s`);
    }
  }
  if (unknown > 0) print(`checker unknown on ${unknown} seeds`);
  print(`seeds=${args.seeds} violations=${violations}`);
  return violations;
}

if (import.meta.main) {
  let args: SimArgs;
  try {
    args = parseSimArgs(Deno.args);
  } catch (error) {
    console.error(`sim: ${(error as Error).message}`);
    Deno.exit(2);
  }
  const violations = runSeeds(args, (line) => console.log(line));
  if (violations > 0) Deno.exit(1);
}
