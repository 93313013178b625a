import assert from "node:assert/strict";
import { rewriteSpecifiers } from "./build.ts";

const rewrites: Array<[source: string, expected: string]> = [
  ['import { a } from "./a.ts";', 'import { a } from "./a.js";'],
  ["export * from '../shared/util.ts';", "export * from '../shared/util.js';"],
  ['export { type X } from "./x.ts";', 'export { type X } from "./x.js";'],
  ['const m = await import("./lazy.ts");', 'const m = await import("./lazy.js");'],
  ['import type { T } from "./t.ts";', 'import type { T } from "./t.js";'],
  ['import { parse } from "yaml";', 'import { parse } from "yaml";'],
  ['import { x } from "./data.json";', 'import { x } from "./data.json";'],
  ['const s = "./not-an-import.ts";', 'const s = "./not-an-import.ts";'],
];

for (const [source, expected] of rewrites) {
  Deno.test(`rewriteSpecifiers() turns ${source} into ${expected}`, () => {
    assert.equal(rewriteSpecifiers(source), expected);
  });
}
