/**
 * Enforces the style guide's layering: a feature folder imports another
 * feature only through that feature's `mod.ts` (the one exception is
 * `proto/errors.ts`, the pure error envelope, so code that must run without
 * gRPC can import it alone). `compose/` must stay pure: no `Deno.*`.
 */
import assert from "node:assert/strict";

const features = [
  "proto",
  "compose",
  "raft",
  "state",
  "scheduler",
  "runtime",
  "net",
  "ingress",
  "daemon",
  "cli",
  "npm",
];
const allowedEntries = new Set(["mod.ts", "proto/errors.ts"]);
const root = new URL("../", import.meta.url);

async function* sourceFiles(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* sourceFiles(url);
    else if (entry.name.endsWith(".ts")) yield url;
  }
}

function featureOf(path: string): string | undefined {
  const top = path.split("/")[0];
  return features.includes(top) ? top : undefined;
}

/** Relative import specifiers of a source text (static imports and re-exports). */
function relativeImports(text: string): string[] {
  const found: string[] = [];
  const pattern =
    /(?:import|export)\s[^'"]*?from\s*["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g;
  for (const m of text.matchAll(pattern)) found.push(m[1] ?? m[2]);
  return found;
}

Deno.test("features import each other only through mod.ts (or proto/errors.ts)", async () => {
  const violations: string[] = [];
  for (const feature of features) {
    const dir = new URL(`${feature}/`, root);
    try {
      await Deno.stat(dir);
    } catch {
      continue;
    }
    for await (const file of sourceFiles(dir)) {
      const from = file.pathname.slice(root.pathname.length);
      if (from.startsWith("proto/jaco/")) continue; // generated code
      const text = await Deno.readTextFile(file);
      for (const spec of relativeImports(text)) {
        const target = new URL(spec, file).pathname.slice(root.pathname.length);
        const targetFeature = featureOf(target);
        if (!targetFeature || targetFeature === feature) continue;
        const entry = target === `${targetFeature}/mod.ts` ? "mod.ts" : target;
        if (!allowedEntries.has(entry)) violations.push(`${from} imports ${target}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

Deno.test("compose/ is pure: no Deno namespace, so it runs on Node", async () => {
  const offenders: string[] = [];
  const dir = new URL("compose/", root);
  try {
    await Deno.stat(dir);
  } catch {
    return;
  }
  for await (const file of sourceFiles(dir)) {
    if (file.pathname.endsWith("_test.ts")) continue;
    const text = await Deno.readTextFile(file);
    if (/\bDeno\./.test(text)) offenders.push(file.pathname.slice(root.pathname.length));
  }
  assert.deepEqual(offenders, []);
});
