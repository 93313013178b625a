import assert from "node:assert/strict";
import {
  enumCase,
  formatTimestamp,
  parseOutputFormat,
  renderStructured,
  renderTable,
  requireTableOutput,
} from "./_output.ts";

Deno.test("parseOutputFormat() accepts table, json and yaml only", () => {
  assert.equal(parseOutputFormat("json"), "json");
  assert.throws(() => parseOutputFormat("JSON"), { name: "UsageError" });
});

Deno.test("requireTableOutput() refuses json with the spec's message", () => {
  requireTableOutput("table");
  assert.throws(() => requireTableOutput("json"), {
    message: 'output format "json" not implemented yet; only "table" is supported',
  });
});

const enums: Array<[value: string, prefix: string, table: string, json: string]> = [
  ["REPLICA_STATE_RUNNING", "REPLICA_STATE_", "RUNNING", "running"],
  ["isolation_unavailable", "", "ISOLATION_UNAVAILABLE", "isolation_unavailable"],
  ["Active", "", "ACTIVE", "active"],
  ["notReady", "", "NOT_READY", "not_ready"],
];
for (const [value, prefix, table, json] of enums) {
  Deno.test(`enumCase() renders ${value} as ${table} / ${json}`, () => {
    assert.equal(enumCase(value, "table", prefix), table);
    assert.equal(enumCase(value, "json", prefix), json);
    assert.equal(enumCase(value, "yaml", prefix), json);
  });
}

Deno.test("renderStructured() prints pretty JSON with a trailing newline, [] for empty lists", async () => {
  assert.equal(await renderStructured({ a: [], b: 1 }, "json"), '{\n  "a": [],\n  "b": 1\n}\n');
});

Deno.test("renderStructured() prints 2-space YAML", async () => {
  assert.equal(await renderStructured({ a: { b: [1] } }, "yaml"), "a:\n  b:\n    - 1\n");
});

Deno.test("renderTable() aligns columns with two spaces and truncates long cells", () => {
  const long = "x".repeat(45);
  assert.equal(
    renderTable("Deployments:", ["NAME", "STATUS"], [["shop", "ACTIVE"], [long, ""]]),
    "Deployments:\n" +
      "NAME" + " ".repeat(36) + "  STATUS\n" +
      "shop" + " ".repeat(36) + "  ACTIVE\n" +
      "x".repeat(39) + "…\n",
  );
});

Deno.test("formatTimestamp() prints RFC 3339 UTC seconds, blank when unset", () => {
  assert.equal(formatTimestamp(Date.UTC(2026, 5, 1, 12, 0, 0, 987)), "2026-06-01T12:00:00Z");
  assert.equal(formatTimestamp(new Date("2026-06-01T14:00:00+02:00")), "2026-06-01T12:00:00Z");
  assert.equal(formatTimestamp(undefined), "");
  assert.equal(formatTimestamp(0), "");
});
