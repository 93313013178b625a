/**
 * `deno task bench validate`: how fast `jaco validate` answers.
 *
 * - `validate_cold_*`: wall time of a fresh `deno run -A cli/main.ts validate
 *   --jaco tests/samples/jaco.yaml` process (goal < 300 ms), median and p90
 *   over `--runs` runs (default 15) after one unmeasured warm-up that fills
 *   Deno's module cache.
 * - `validate_cold_bundle_*`: the same with the one-file bundle that releases
 *   ship (`deno task bundle`), built into a temp dir first. Most of the
 *   from-source time is Deno loading the `yaml` package's many CommonJS files;
 *   the bundle loads one file.
 * - `validate_300_services_*`: in-process `validateManifests` on a generated
 *   300-service compose file plus a jaco.yaml overriding every service.
 *
 * @module
 */

import { validateManifests } from "../../compose/mod.ts";
import { bundleProgram } from "../release/bundle.ts";
import { programs } from "../release/_programs.ts";

const root = new URL("../../", import.meta.url);

function percentile(sortedMs: number[], fraction: number): number {
  const index = Math.min(sortedMs.length - 1, Math.ceil(fraction * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)];
}

function report(name: string, samplesMs: number[]): void {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  console.log(`${name}_median ${percentile(sorted, 0.5).toFixed(1)} ms`);
  console.log(`${name}_p90 ${percentile(sorted, 0.9).toFixed(1)} ms`);
}

async function coldRun(entry: string): Promise<number> {
  const started = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", entry, "validate", "--jaco", "tests/samples/jaco.yaml"],
    cwd: root,
    stdin: "null",
  }).output();
  const elapsedMs = performance.now() - started;
  if (output.code !== 0) {
    throw new Error(`jaco validate failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  return elapsedMs;
}

/** A compose file with `count` services and a jaco.yaml overriding each one. */
export function generateStack(count: number): { jaco: string; compose: string } {
  const compose = ["services:"];
  const jaco = ["deployment: big", "services:"];
  for (let i = 0; i < count; i++) {
    compose.push(
      `  svc${i}:`,
      `    image: registry.example/app${i % 7}:1.${i}`,
      `    environment:`,
      `      INDEX: "${i}"`,
      `      PEER: svc${(i + 1) % count}`,
      `    healthcheck:`,
      `      test: ["CMD", "true"]`,
      `      interval: 5s`,
      `    ports: ["${20000 + i}:8080"]`,
      `    networks: [net${i % 4}]`,
      `    volumes: ["data${i}:/data"]`,
      `    deploy:`,
      `      resources:`,
      `        limits: {cpus: "0.5", memory: 64m}`,
    );
    jaco.push(`  - name: svc${i}`, `    replicas: ${1 + (i % 3)}`);
  }
  compose.push("networks:", ...[0, 1, 2, 3].map((n) => `  net${n}: {}`), "volumes:");
  for (let i = 0; i < count; i++) compose.push(`  data${i}: {}`);
  return { jaco: jaco.join("\n") + "\n", compose: compose.join("\n") + "\n" };
}

function flag(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
}

/** Runs the benchmark; `--runs N` sets the cold-start sample count (min 10). */
export async function run(args: string[]): Promise<void> {
  const runs = Math.max(10, flag(args, "runs", 15));
  await coldRun("cli/main.ts");
  const cold: number[] = [];
  for (let i = 0; i < runs; i++) cold.push(await coldRun("cli/main.ts"));
  report("validate_cold", cold);

  const outDir = await Deno.makeTempDir({ prefix: "jaco-bench-bundle-" });
  try {
    const jaco = programs.find((program) => program.name === "jaco")!;
    const bundled = await bundleProgram(jaco, {
      root,
      outDir: new URL(`file://${outDir}/`),
      deno: Deno.execPath(),
    });
    if (bundled.status !== "bundled") throw new Error(`bundle skipped: ${bundled.reason}`);
    await coldRun(bundled.path);
    const coldBundle: number[] = [];
    for (let i = 0; i < runs; i++) coldBundle.push(await coldRun(bundled.path));
    report("validate_cold_bundle", coldBundle);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }

  const stack = generateStack(300);
  validateManifests(stack);
  const inProcess: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    const result = validateManifests(stack);
    inProcess.push(performance.now() - started);
    if (result.services.length !== 300) throw new Error("generated stack lost services");
  }
  report("validate_300_services", inProcess);
}
