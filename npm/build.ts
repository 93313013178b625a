/**
 * `deno task npm`: builds the `@jaco/validator` npm package into `npm/dist/`.
 *
 * The package is the pure manifest side of JACO for Node ≥ 20: the library
 * surface of `mod.ts` (validation, preprocessing, the error envelope), the
 * JSON Schemas of jaco.yaml and of the compose subset, and a `jaco-validate`
 * bin that runs the same code as `jaco validate`.
 *
 * How: the module graph reachable from `mod.ts` and `npm/jaco_validate.ts`
 * (relative imports only; `yaml` stays a dependency) is compiled by the
 * TypeScript 5 compiler API (a program emit: ES2022 modules plus `.d.ts`),
 * `.ts` import specifiers are rewritten to `.js`, and the layout mirrors the
 * repository (`dist/mod.js`, `dist/compose/…`, `dist/npm/jaco_validate.js`).
 * Type errors in the package's files fail the build.
 *
 * @module
 */

import ts from "typescript";
import denoConfig from "../deno.json" with { type: "json" };
import { composeSubsetSchema, jacoManifestSchema } from "../compose/mod.ts";

const root = new URL("../", import.meta.url);
const rootDir = root.pathname.replace(/\/$/, "");
const distDir = `${rootDir}/npm/dist`;
const entries = ["mod.ts", "npm/jaco_validate.ts"];
const binPath = "npm/jaco_validate.js";

/** Package name on npm. */
export const packageName = "@jaco/validator";

/** Every repository file reachable from `entries` through relative imports. */
function moduleGraph(): string[] {
  const seen = new Set<string>();
  const pending = entries.map((entry) => `${rootDir}/${entry}`);
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const info = ts.preProcessFile(Deno.readTextFileSync(file), true, true);
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith(".")) continue;
      if (!fileName.endsWith(".ts")) {
        throw new Error(`${file} imports ${fileName}: the npm package takes .ts modules only`);
      }
      pending.push(new URL(fileName, `file://${file}`).pathname);
    }
  }
  return [...seen].sort();
}

/** The `@types/node` folder Deno's npm resolver installed, for Node API types. */
function nodeTypeRoots(): string[] {
  const store = `${rootDir}/node_modules/.deno`;
  const versions = [...Deno.readDirSync(store)]
    .map((entry) => entry.name)
    .filter((name) => name.startsWith("@types+node@"))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  if (versions.length === 0) throw new Error("@types/node is not installed; run deno install");
  return [`${store}/${versions[versions.length - 1]}/node_modules/@types`];
}

/** Rewrites relative `.ts` specifiers (static, re-export and dynamic) to `.js`. */
export function rewriteSpecifiers(code: string): string {
  return code.replace(
    /((?:from|import)\s*\(?\s*)(["'])(\.\.?\/[^"']*?)\.ts\2/g,
    (_match, lead: string, quote: string, path: string) => `${lead}${quote}${path}.js${quote}`,
  );
}

function compile(files: string[]): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    declaration: true,
    strict: true,
    skipLibCheck: true,
    lib: ["lib.es2022.d.ts"],
    types: ["node"],
    typeRoots: nodeTypeRoots(),
    rootDir,
    outDir: distDir,
    newLine: ts.NewLineKind.LineFeed,
  };
  const program = ts.createProgram(files, options);
  const written: string[] = [];
  const result = program.emit(undefined, (fileName, text) => {
    Deno.mkdirSync(fileName.slice(0, fileName.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(fileName, rewriteSpecifiers(text));
    written.push(fileName.slice(distDir.length + 1));
  });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0) {
    const host = {
      getCanonicalFileName: (name: string) => name,
      getCurrentDirectory: () => rootDir,
      getNewLine: () => "\n",
    };
    throw new Error(`TypeScript errors:\n${ts.formatDiagnostics(diagnostics, host)}`);
  }
  return written.sort();
}

function packageJson(): Record<string, unknown> {
  const yamlRange = denoConfig.imports.yaml.replace(/^npm:yaml@/, "");
  return {
    name: packageName,
    version: denoConfig.version,
    description: "Validate JACO manifests (jaco.yaml + compose) exactly as the jaco CLI does",
    license: "Apache-2.0",
    type: "module",
    main: "./mod.js",
    types: "./mod.d.ts",
    exports: {
      ".": { types: "./mod.d.ts", default: "./mod.js" },
      "./schemas/jaco.schema.json": "./schemas/jaco.schema.json",
      "./schemas/compose.schema.json": "./schemas/compose.schema.json",
      "./package.json": "./package.json",
    },
    bin: { "jaco-validate": binPath },
    engines: { node: ">=20" },
    dependencies: { yaml: yamlRange },
    sideEffects: false,
  };
}

const readme = `# ${packageName}

Validates JACO manifests — a \`jaco.yaml\` overlay and its compose file — with
the same code as \`jaco validate\` and the JACO daemon. Pure: no file system or
network access in the library; Node >= 20.

\`\`\`js
import { validateManifests, isJacoError } from "${packageName}";
try {
  const report = validateManifests({ jaco: jacoText, compose: composeText });
  console.log(report.deployment, report.services);
} catch (error) {
  if (isJacoError(error)) console.error(error.code, error.message, error.details);
  else throw error;
}
\`\`\`

Also exported: \`interpolate\`, \`parseDotenv\`, \`resolveEnvFiles\` and
\`prepareComposeForApply\` (the CLI's compose preprocessing), and the JSON
Schemas as \`${packageName}/schemas/jaco.schema.json\` and
\`${packageName}/schemas/compose.schema.json\`.

CLI: \`jaco-validate [--jaco <path>] [--compose <path>] [-o json] [-v]\` prints
\`OK: …\` and exits 0, or \`Error: <code>: <message>\` and exits 1.
`;

/** Builds the package; returns the files written, relative to `npm/dist`. */
export function build(): string[] {
  try {
    Deno.removeSync(distDir, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error; // first build: nothing to clear
  }
  Deno.mkdirSync(`${distDir}/schemas`, { recursive: true });
  const written = compile(moduleGraph());
  const bin = `${distDir}/${binPath}`;
  Deno.chmodSync(bin, 0o755);
  const extra: Record<string, string> = {
    "package.json": JSON.stringify(packageJson(), null, 2) + "\n",
    "README.md": readme,
    "schemas/jaco.schema.json": JSON.stringify(jacoManifestSchema, null, 2) + "\n",
    "schemas/compose.schema.json": JSON.stringify(composeSubsetSchema, null, 2) + "\n",
  };
  for (const [name, text] of Object.entries(extra)) {
    Deno.writeTextFileSync(`${distDir}/${name}`, text);
    written.push(name);
  }
  return written.sort();
}

if (import.meta.main) {
  const written = build();
  console.log(`built ${packageName}@${denoConfig.version} in npm/dist (${written.length} files)`);
}
