/**
 * What the benchmarks share for their command lines and output: `--name=<n>` integer options and
 * `name value unit` figure lines.
 *
 * @module
 */

/**
 * The positive integer of `--<name>=<n>` in `args`, or `fallback` when absent.
 *
 * @throws {Error} when the value is not a positive integer
 * @example
 * ```ts
 * option(["--replicas=30"], "replicas", 10); // 30
 * ```
 */
export function option(args: string[], name: string, fallback: number): number {
  const raw = args.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${name} must be a positive integer, not ${raw}`);
  }
  return value;
}

/**
 * Prints one figure line `name value unit` (integers as they are, others with `digits` decimals,
 * default 2).
 */
export function figure(name: string, value: number, unit: string, digits = 2): void {
  console.log(`${name} ${Number.isInteger(value) ? value : value.toFixed(digits)} ${unit}`);
}
