/**
 * Guards the table tests: every error code the manifest code can throw must
 * be asserted by at least one test in this folder, so a new rule cannot
 * land without a row.
 */
import assert from "node:assert/strict";
import { isErrorCode } from "../proto/errors.ts";

const folder = new URL("./", import.meta.url);
const owned = /^(?!interpolate|dotenv|env_file|preprocess).*\.ts$/;

function read(filter: (name: string) => boolean): string[] {
  const texts: string[] = [];
  for (const entry of Deno.readDirSync(folder)) {
    if (entry.isFile && owned.test(entry.name) && filter(entry.name)) {
      texts.push(Deno.readTextFileSync(new URL(entry.name, folder)));
    }
  }
  return texts;
}

Deno.test("every error code thrown by the validator is asserted by a test", () => {
  const sources = read((name) => !name.endsWith("_test.ts")).join("\n");
  const thrown = new Set(
    [...sources.matchAll(/new JacoError\(\s*"(\w+)"/g)].map((m) => m[1]),
  );
  // `fail(...)` helpers throw validation_failed.
  if (/\bfail\(/.test(sources)) thrown.add("validation_failed");
  assert.ok(thrown.size >= 15, [...thrown].join(", "));
  const tests = read((name) => name.endsWith("_test.ts") && name !== "error_codes_test.ts")
    .join("\n");
  const untested = [...thrown].filter((code) => !tests.includes(`"${code}"`));
  assert.deepEqual(untested, []);
  for (const code of thrown) assert.ok(isErrorCode(code), `${code} is not in the closed set`);
});
