/**
 * `-o json|yaml` of the write commands whose result is one line in table form (issue 4: every
 * command honours `-o`): rollback, delete, registry login/logout. Each json/yaml document's field
 * names are the contract documented in the command's module.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { applyDocument } from "./apply.ts";
import { formatDeleted } from "./delete.ts";
import { formatLogLineAs } from "./logs.ts";
import { formatLoggedIn, formatLoggedOut } from "./registry.ts";
import { formatRolledBack } from "./rollback.ts";
import type { OutputFormat } from "./_output.ts";

async function documents(
  render: (format: OutputFormat) => Promise<string>,
): Promise<{ table: string; json: unknown; yaml: unknown }> {
  return {
    table: await render("table"),
    json: JSON.parse(await render("json")),
    yaml: parseYaml(await render("yaml")),
  };
}

Deno.test("rollback -o json|yaml prints {deployment, revision}", async () => {
  const out = await documents((format) => formatRolledBack("shop", 3, format));
  assert.equal(out.table, "Rolled back to revision: 3\n");
  assert.deepEqual(out.json, { deployment: "shop", revision: 3 });
  assert.deepEqual(out.yaml, out.json);
});

Deno.test("delete -o json|yaml prints {deleted}", async () => {
  const out = await documents((format) => formatDeleted("shop", format));
  assert.equal(out.table, "Deleted deployment: shop\n");
  assert.deepEqual(out.json, { deleted: "shop" });
  assert.deepEqual(out.yaml, out.json);
});

Deno.test("registry login -o json|yaml prints {registry, username}", async () => {
  const out = await documents((format) => formatLoggedIn("ghcr.io", "bot", format));
  assert.equal(out.table, "Stored credential for ghcr.io (user bot)\n");
  assert.deepEqual(out.json, { registry: "ghcr.io", username: "bot" });
  assert.deepEqual(out.yaml, out.json);
});

Deno.test("registry logout -o json|yaml prints {removed}", async () => {
  const out = await documents((format) => formatLoggedOut("ghcr.io", format));
  assert.equal(out.table, "Removed credential for ghcr.io\n");
  assert.deepEqual(out.json, { removed: "ghcr.io" });
  assert.deepEqual(out.yaml, out.json);
});

Deno.test("apply -o json|yaml prints one {deployment, revision, dry_run, diff, result, progress} document", async () => {
  const outcome = {
    deployment: "shop",
    revision: 4,
    dryRun: false,
    diff: { adds: ["service web"], updates: [], removes: ["route /old"] },
    result: "converged" as const,
    progress: "2/2 replicas running",
  };
  const expected = {
    deployment: "shop",
    revision: 4,
    dry_run: false,
    diff: { adds: ["service web"], updates: [], removes: ["route /old"] },
    result: "converged",
    progress: "2/2 replicas running",
  };
  assert.deepEqual(JSON.parse(await applyDocument("json", outcome)), expected);
  assert.deepEqual(parseYaml(await applyDocument("yaml", outcome)), expected);
  const dry = JSON.parse(
    await applyDocument("json", { ...outcome, dryRun: true, diff: undefined, result: "dry_run" }),
  );
  assert.deepEqual(dry.diff, { adds: [], updates: [], removes: [] });
  assert.equal(
    "progress" in JSON.parse(await applyDocument("json", { ...outcome, progress: "" })),
    false,
  );
});

Deno.test("logs -o json prints JSON Lines and -o yaml one document per line", async () => {
  const line = {
    replicaId: "shop-web-0",
    host: "node-1",
    stream: "stdout",
    ts: new Date("2026-06-01T12:00:00Z"),
    line: "hello",
  };
  const expected = {
    replica_id: "shop-web-0",
    host: "node-1",
    stream: "stdout",
    ts: "2026-06-01T12:00:00Z",
    line: "hello",
  };
  assert.equal(await formatLogLineAs(line, "table"), "[shop-web-0@node-1] hello\n");
  const json = await formatLogLineAs(line, "json");
  assert.equal(json.split("\n").length, 2);
  assert.deepEqual(JSON.parse(json), expected);
  const yaml = await formatLogLineAs(line, "yaml");
  assert.match(yaml, /^---\n/);
  assert.deepEqual(parseYaml(yaml), expected);
});
