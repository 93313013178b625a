import assert from "node:assert/strict";
import { toJsonSchema } from "./_type_schema.ts";
import { checkValue, maxDepth, t } from "./_types.ts";

const port = t.record({
  target: { type: t.integer(1, 65535), doc: "" },
  tags: { type: t.list(t.string()), doc: "" },
});
const entry = t.oneOf([t.string(), port], "a string or a port mapping");

Deno.test("checkValue() descends into the one variant whose kind matches", () => {
  assert.equal(checkValue("80:80", entry), undefined);
  assert.deepEqual(checkValue({ target: 70000 }, entry, { path: "ports[0]" }), {
    kind: "type",
    path: "ports[0].target",
    expected: "an integer between 1 and 65535",
    value: 70000,
  });
  assert.equal(checkValue(1.5, entry)?.expected, "a string or a port mapping");
});

Deno.test("checkValue() reports unknown keys with the allowed set, and can skip constraints", () => {
  const problem = checkValue({ tags: ["a"], targett: 1 }, port);
  assert.equal(problem?.kind, "unknown_key");
  assert.equal(problem?.path, "targett");
  assert.deepEqual(problem?.allowed, ["target", "tags"]);
  assert.equal(checkValue({ target: 0 }, port, { constraints: false }), undefined);
  assert.equal(checkValue({ target: null }, port, { nullIsAbsent: true }), undefined);
});

Deno.test("checkValue() visits keys sorted on request and refuses absurd depth", () => {
  const map = t.map(t.integer());
  assert.equal(checkValue({ b: "x", a: "y" }, map)?.path, "b");
  assert.equal(checkValue({ b: "x", a: "y" }, map, { sortKeys: true })?.path, "a");
  let deep: unknown = 1;
  for (let i = 0; i <= maxDepth + 1; i++) deep = [deep];
  assert.equal(checkValue(deep, t.any), undefined);
  const nested = t.list(t.any);
  let nestedType = nested;
  for (let i = 0; i <= maxDepth + 1; i++) nestedType = t.list(nestedType);
  assert.equal(checkValue(deep, nestedType)?.expected, "less deeply nested data");
});

Deno.test("toJsonSchema() renders records closed, maps open, oneOf as anyOf", () => {
  assert.deepEqual(toJsonSchema(entry), {
    anyOf: [
      { type: "string" },
      {
        type: "object",
        properties: {
          target: { description: "", type: "integer", minimum: 1, maximum: 65535 },
          tags: { description: "", type: "array", items: { type: "string" } },
        },
        additionalProperties: false,
      },
    ],
  });
  assert.deepEqual(toJsonSchema(t.map(t.boolean, /^[a-z]+$/)), {
    type: "object",
    propertyNames: { pattern: "^[a-z]+$" },
    additionalProperties: { type: "boolean" },
  });
});
