/**
 * Generation of the TypeScript bindings of `proto/jaco/v1/*.proto` with protoc and ts-proto,
 * shared by `generate.ts` (the `deno task proto` entry) and its staleness test.
 *
 * ts-proto options and why:
 * - `outputServices=grpc-js` — grpc-js service definitions, clients and server interfaces;
 * - `outputServices=generic-definitions` — per-service `{name, fullName, methods}` objects whose
 *   methods carry the request/response message functions; `service_registry.ts` joins them with
 *   the grpc-js definitions into one handler table for gRPC and the local JSON API;
 * - `env=browser` — `bytes` fields are `Uint8Array` (web standard) and base64 uses `atob`; grpc-js
 *   serializers still need `Buffer`, so a `node:buffer` import is added (see {@link normalize});
 * - `forceLong=number` — 64-bit fields (raft indices, revisions) are plain numbers, all < 2^53;
 * - `useDate=true` — `google.protobuf.Timestamp` fields are `Date`;
 * - `oneof=unions-value` — `{ $case: "batch", value: Batch }`, exhaustively switchable;
 * - `enumsAsLiterals=true` — enums are `const X = {…} as const` + union type (style guide);
 * - `esModuleInterop=true`, `importSuffix=.ts` — Deno-resolvable imports.
 *
 * Determinism: protoc gets the `.proto` list sorted; the protoc version line of the banner is
 * dropped so a different protoc patch level does not churn the output (the ts-proto version stays:
 * it is pinned by deno.lock and a change there legitimately changes the code).
 *
 * @module
 */

/** The `--ts_proto_opt` list, in a stable order. */
export const tsProtoOptions: readonly string[] = [
  "outputServices=grpc-js",
  "outputServices=generic-definitions",
  "env=browser",
  "esModuleInterop=true",
  "importSuffix=.ts",
  "forceLong=number",
  "oneof=unions-value",
  "useDate=true",
  "enumsAsLiterals=true",
];

/** Directory holding the `.proto` sources (`proto/`, roots of `jaco/v1/*.proto`). */
export const protoRoot: URL = new URL("./", import.meta.url);

/** Where the committed generated code lives (`proto/jaco/`). */
export const generatedRoot: URL = new URL("./jaco/", import.meta.url);

const wellKnownInclude = "/usr/include";
/** File-system path of a `file:` URL (percent-decoded). */
function pathOf(url: URL): string {
  return decodeURIComponent(url.pathname);
}

const tsProtoPlugin = new URL("../node_modules/ts-proto/build/src/plugin.js", import.meta.url);

/** Raised when a generation tool is missing or fails. */
export class CodegenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CodegenError";
  }
}

/** True when `protoc` can be started. */
export async function protocAvailable(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("protoc", { args: ["--version"], stdout: "null" })
      .output();
    return success;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Paths (relative to {@link protoRoot}, sorted) of every `.proto` source. */
export async function protoSources(): Promise<string[]> {
  const sources: string[] = [];
  for await (const entry of Deno.readDir(new URL("./jaco/v1/", protoRoot))) {
    if (entry.isFile && entry.name.endsWith(".proto")) sources.push(`jaco/v1/${entry.name}`);
  }
  return sources.sort();
}

/**
 * Generates every binding into a fresh temporary directory and returns the normalized files,
 * keyed by their path relative to `proto/jaco/` (e.g. `v1/commands.ts`, `google/protobuf/timestamp.ts`).
 *
 * @throws {CodegenError} when ts-proto is not installed (`deno install`) or protoc fails
 */
export async function generateFiles(): Promise<Map<string, string>> {
  try {
    await Deno.stat(tsProtoPlugin);
  } catch (error) {
    throw new CodegenError(
      `ts-proto is not installed at ${pathOf(tsProtoPlugin)}; run \`deno install\` first`,
      { cause: error },
    );
  }
  const work = await Deno.makeTempDir({ prefix: "jaco-proto-" });
  try {
    const plugin = `${work}/protoc-gen-ts_proto`;
    await Deno.writeTextFile(
      plugin,
      `#!/bin/sh\nexec '${Deno.execPath()}' run -A --quiet '${pathOf(tsProtoPlugin)}'\n`,
      { mode: 0o755 },
    );
    const out = `${work}/out`;
    await Deno.mkdir(out);
    const { success, stderr } = await new Deno.Command("protoc", {
      args: [
        `--plugin=protoc-gen-ts_proto=${plugin}`,
        `--ts_proto_out=${out}`,
        `--ts_proto_opt=${tsProtoOptions.join(",")}`,
        `-I${pathOf(protoRoot)}`,
        `-I${wellKnownInclude}`,
        ...await protoSources(),
      ],
      cwd: pathOf(protoRoot),
      stdout: "inherit",
      stderr: "piped",
    }).output();
    if (!success) {
      throw new CodegenError(`protoc failed: ${new TextDecoder().decode(stderr).trim()}`);
    }
    const files = new Map<string, string>();
    for (const relative of await listTs(out)) {
      const text = await Deno.readTextFile(`${out}/${relative}`);
      // google/protobuf/* is placed under proto/jaco/ so one folder holds all generated code.
      const target = relative.startsWith("jaco/") ? relative.slice("jaco/".length) : relative;
      files.set(target, normalize(target, text));
    }
    return files;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** Sorted relative paths of the `.ts` files below `dir`. */
export async function listTs(dir: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const relative = `${prefix}${entry.name}`;
    if (entry.isDirectory) found.push(...await listTs(dir, `${relative}/`));
    else if (entry.isFile && entry.name.endsWith(".ts")) found.push(relative);
  }
  return found.sort();
}

/**
 * Makes generated text independent of the protoc build and runnable on Deno: drops the protoc
 * version banner line, drops the per-file `protobufFileName` constant (unused, and identical names
 * in every file would make `mod.ts`'s star re-exports ambiguous), re-points imports of the
 * well-known types to `proto/jaco/google/`, and imports `Buffer` (used by the grpc-js
 * serializers) from `node:buffer`.
 */
export function normalize(target: string, text: string): string {
  let result = text.replace(/^\/\/ {3}protoc {2,}v.*\n/m, "")
    .replace(/^export const protobufFileName = .*\n\n?/m, "");
  if (target.startsWith("v1/")) {
    result = result.replaceAll('from "../../google/protobuf/', 'from "../google/protobuf/');
  }
  if (/\bBuffer\.from\(/.test(result)) {
    result = result.replace(
      "/* eslint-disable */\n",
      '/* eslint-disable */\nimport { Buffer } from "node:buffer";\n',
    );
  }
  return result;
}

/** A committed generated file that does not match a fresh generation. */
export interface StaleFile {
  /** Path relative to `proto/jaco/`. */
  path: string;
  /** `changed`, `missing` (not committed) or `extra` (no longer generated). */
  reason: "changed" | "missing" | "extra";
}

/** Compares fresh output with the files under `proto/jaco/`. */
export async function findStale(fresh: Map<string, string>): Promise<StaleFile[]> {
  const committed = new Set(await listTs(pathOf(generatedRoot)));
  const stale: StaleFile[] = [];
  for (const [path, text] of fresh) {
    if (!committed.has(path)) stale.push({ path, reason: "missing" });
    else if (await Deno.readTextFile(new URL(path, generatedRoot)) !== text) {
      stale.push({ path, reason: "changed" });
    }
  }
  for (const path of committed) if (!fresh.has(path)) stale.push({ path, reason: "extra" });
  return stale.sort((a, b) => a.path.localeCompare(b.path));
}

/** Writes fresh output under `proto/jaco/` and deletes generated `.ts` files no longer produced. */
export async function writeFiles(fresh: Map<string, string>): Promise<void> {
  for (const stale of await findStale(fresh)) {
    if (stale.reason === "extra") await Deno.remove(new URL(stale.path, generatedRoot));
  }
  for (const [path, text] of fresh) {
    const url = new URL(path, generatedRoot);
    await Deno.mkdir(new URL("./", url), { recursive: true });
    await Deno.writeTextFile(url, text);
  }
}
