import assert from "node:assert/strict";
import { findStale, generateFiles, normalize, protocAvailable } from "./_codegen.ts";

const hasProtoc = await protocAvailable();
if (!hasProtoc) console.log("skipping generation staleness test: protoc is not installed");

Deno.test({
  name: "generated TS under proto/jaco/ matches a fresh generation from the .proto files",
  ignore: !hasProtoc,
  async fn() {
    const fresh = await generateFiles();
    assert.ok(fresh.has("v1/commands.ts") && fresh.has("google/protobuf/timestamp.ts"));
    const stale = await findStale(fresh);
    assert.deepEqual(stale, [], "generated code is stale; run `deno task proto`");
  },
});

Deno.test({
  name: "generateFiles() is deterministic: two runs give byte-identical output",
  ignore: !hasProtoc,
  async fn() {
    const [first, second] = [await generateFiles(), await generateFiles()];
    assert.deepEqual([...first.entries()], [...second.entries()]);
  },
});

Deno.test("normalize() drops the protoc version and re-points well-known imports", () => {
  const raw = [
    "// versions:",
    "//   protoc-gen-ts_proto  v2.18.0",
    "//   protoc               v3.21.12",
    "// source: jaco/v1/x.proto",
    "",
    "/* eslint-disable */",
    'import { Timestamp } from "../../google/protobuf/timestamp.ts";',
    'export const protobufPackage = "jaco.v1";',
    "",
    'export const protobufFileName = "jaco/v1/x.proto";',
    "",
    "const s = (v: X): Buffer => Buffer.from(X.encode(v).finish());",
    "",
  ].join("\n");
  const other = raw.replace("v3.21.12", "v3.25.1");
  const out = normalize("v1/x.ts", raw);
  assert.equal(normalize("v1/x.ts", other), out);
  assert.ok(!out.includes("v3.21.12"));
  assert.ok(out.includes("v2.18.0"));
  assert.ok(out.includes('from "../google/protobuf/timestamp.ts"'));
  assert.ok(!out.includes("protobufFileName"));
  assert.ok(out.includes('/* eslint-disable */\nimport { Buffer } from "node:buffer";\n'));
});
