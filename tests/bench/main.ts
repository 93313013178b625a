/**
 * `deno task bench <name> [args…]`: runs the benchmark in `tests/bench/<name>.ts`.
 * A benchmark is one file exporting `run(args: string[]): Promise<void>` that
 * prints its figures as `name value unit` lines; dropping the file here is all
 * it takes to add one. An unknown or missing name lists what exists, exit 1.
 *
 * @module
 */

/** What every benchmark module exports. */
export interface Benchmark {
  run(args: string[]): Promise<void>;
}

const here = new URL("./", import.meta.url);

async function available(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(here)) {
    const name = entry.name;
    if (!entry.isFile || !name.endsWith(".ts") || name.startsWith("_")) continue;
    if (name === "main.ts" || name.endsWith("_test.ts")) continue;
    names.push(name.slice(0, -3));
  }
  return names.sort();
}

if (import.meta.main) {
  const [name, ...args] = Deno.args;
  const names = await available();
  if (!name || !names.includes(name)) {
    const problem = name ? `unknown benchmark "${name}"` : "no benchmark named";
    console.error(`${problem}; available: ${names.join(", ")}\nusage: deno task bench <name>`);
    Deno.exit(1);
  }
  const benchmark: Benchmark = await import(new URL(`${name}.ts`, here).href);
  await benchmark.run(args);
}
