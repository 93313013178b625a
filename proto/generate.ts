/**
 * `deno task proto`: regenerates the TypeScript bindings under `proto/jaco/` from
 * `proto/jaco/v1/*.proto` (protoc + ts-proto; options and normalization in `_codegen.ts`).
 *
 * With `--check`, generates into a temporary directory instead, lists the committed files that
 * differ from a fresh generation and exits 1 when any does (CI's staleness gate).
 *
 * Needs `protoc` (Debian `protobuf-compiler`, well-known types in /usr/include) and ts-proto from
 * `deno install`.
 *
 * @example
 * ```sh
 * deno task proto            # rewrite proto/jaco/**\/*.ts
 * deno task proto --check    # exit 1 listing stale files
 * ```
 *
 * @module
 */
import { CodegenError, findStale, generateFiles, writeFiles } from "./_codegen.ts";

async function main(args: string[]): Promise<number> {
  const check = args.includes("--check");
  const unknown = args.filter((arg) => arg !== "--check");
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown[0]}; usage: deno task proto [--check]`);
    return 2;
  }
  const fresh = await generateFiles();
  if (check) {
    const stale = await findStale(fresh);
    if (stale.length === 0) {
      console.log(`proto: ${fresh.size} generated files are up to date`);
      return 0;
    }
    for (const file of stale) console.error(`stale proto/jaco/${file.path} (${file.reason})`);
    console.error("proto: generated code is stale; run `deno task proto`");
    return 1;
  }
  await writeFiles(fresh);
  console.log(`proto: wrote ${fresh.size} files under proto/jaco/`);
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    if (!(error instanceof CodegenError)) throw error;
    console.error(`proto: ${error.message}`);
    Deno.exit(1);
  }
}
