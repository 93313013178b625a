/**
 * The npm validator package end to end, the way a user gets it: build it
 * (`npm/build.ts`), `npm pack` it, `npm install` the tarball into an empty
 * project (its `yaml` dependency comes from the registry), then run the
 * `jaco-validate` bin with Node against the valid and broken samples — its
 * output must equal `jaco validate`'s — and import the library API from an
 * `.mjs` script. Skipped, with the reason printed, only when `node` or `npm`
 * is not installed.
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const samples = new URL("tests/samples/", root).pathname;
const decoder = new TextDecoder();

async function run(command: string, args: string[], cwd: string | URL) {
  const output = await new Deno.Command(command, {
    args,
    cwd,
    stdin: "null",
    env: { NO_COLOR: "1", npm_config_update_notifier: "false" },
  }).output();
  return {
    code: output.code,
    out: decoder.decode(output.stdout),
    err: decoder.decode(output.stderr),
  };
}

async function hasCommand(name: string): Promise<boolean> {
  try {
    return (await run(name, ["--version"], root)).code === 0;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

const missing = [];
for (const tool of ["node", "npm"]) if (!(await hasCommand(tool))) missing.push(tool);
if (missing.length > 0) {
  console.log(`npm package test skipped: ${missing.join(" and ")} not installed`);
}

const apiScript = `
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { validateManifests, interpolate, isJacoError, JacoError } from "@jaco/validator";

const [samples] = process.argv.slice(2);
const read = (name) => readFileSync(samples + name, "utf8");
const report = validateManifests({ jaco: read("jaco.yaml"), compose: read("compose.yml") });
let failure;
try {
  validateManifests({ jaco: read("broken/jaco.yaml"), compose: read("broken/compose.yml") });
} catch (error) {
  failure = { isJacoError: isJacoError(error), instance: error instanceof JacoError, ...error.toJSON() };
}
const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve("@jaco/validator/schemas/jaco.schema.json"), "utf8"));
const composeSchema = JSON.parse(
  readFileSync(require.resolve("@jaco/validator/schemas/compose.schema.json"), "utf8"),
);
const interpolated = interpolate("image: app:\${TAG:-latest}\\n", {}).text;
console.log(JSON.stringify({ report, failure, schemaKeys: Object.keys(schema), composeSchemaType: composeSchema.type, interpolated }));
`;

Deno.test({
  name: "npm package builds, packs, installs and validates like jaco validate",
  ignore: missing.length > 0,
  async fn() {
    const build = await run(Deno.execPath(), ["run", "-A", "npm/build.ts"], root);
    assert.equal(build.code, 0, build.err);

    const temp = await Deno.makeTempDir({ prefix: "jaco-npm-" });
    try {
      const pack = await run(
        "npm",
        ["pack", "--pack-destination", temp, "--json"],
        new URL("npm/dist/", root),
      );
      assert.equal(pack.code, 0, pack.err);
      const [{ filename, files }] = JSON.parse(pack.out);
      const packed = files.map((f: { path: string }) => f.path);
      for (
        const path of [
          "package.json",
          "mod.js",
          "mod.d.ts",
          "npm/jaco_validate.js",
          "schemas/jaco.schema.json",
          "schemas/compose.schema.json",
        ]
      ) {
        assert.ok(packed.includes(path), `tarball lacks ${path}`);
      }

      const project = `${temp}/project`;
      await Deno.mkdir(project);
      await Deno.writeTextFile(
        `${project}/package.json`,
        '{ "name": "consumer", "private": true, "type": "module" }\n',
      );
      const install = await run("npm", [
        "install",
        "--no-audit",
        "--no-fund",
        `${temp}/${filename}`,
      ], project);
      assert.equal(install.code, 0, install.err);

      const bin = `${project}/node_modules/.bin/jaco-validate`;
      const cases: string[][] = [
        ["--jaco", `${samples}jaco.yaml`],
        ["--jaco", `${samples}broken/jaco.yaml`, "--compose", `${samples}broken/compose.yml`],
        ["-o", "json", "--jaco", `${samples}jaco.yaml`],
        ["-v", "--jaco", `${samples}broken/jaco.yaml`],
        [],
      ];
      for (const args of cases) {
        const viaNode = await run(bin, args, project);
        const viaDeno = await run(Deno.execPath(), [
          "run",
          "-A",
          "cli/main.ts",
          "validate",
          ...args,
        ], root);
        assert.deepEqual(viaNode, viaDeno, `jaco-validate ${args.join(" ")}`);
      }
      const ok = await run(bin, ["--jaco", `${samples}jaco.yaml`], project);
      assert.equal(ok.code, 0);
      assert.match(
        ok.out,
        /^OK: .*jaco\.yaml \+ .*compose\.yml valid \(deployment "sample", \d+ services\)\n$/,
      );
      const bad = await run(bin, ["--jaco", `${samples}broken/jaco.yaml`], project);
      assert.equal(bad.code, 1);
      assert.match(bad.err, /^Error: [a-z_]+: /);

      await Deno.writeTextFile(`${project}/api.mjs`, apiScript);
      const api = await run("node", ["api.mjs", samples], project);
      assert.equal(api.code, 0, api.err);
      const result = JSON.parse(api.out);
      assert.equal(result.report.deployment, "sample");
      assert.equal(result.report.crossChecked, true);
      assert.equal(result.failure.isJacoError, true);
      assert.equal(result.failure.instance, true);
      assert.match(result.failure.code, /^[a-z_]+$/);
      assert.ok(result.schemaKeys.length > 0);
      assert.equal(result.composeSchemaType, "object");
      assert.equal(result.interpolated, "image: app:latest\n");
    } finally {
      await Deno.remove(temp, { recursive: true });
    }
  },
});
