import assert from "node:assert/strict";
import { formatLogLine, parseSince, parseTail } from "./logs.ts";
import { parseRevision } from "./rollback.ts";
import { parseScope } from "./status.ts";
import { UsageError } from "./_usage_error.ts";

Deno.test("formatLogLine() prefixes [replica@host]", () => {
  assert.equal(
    formatLogLine({ replicaId: "shop-web-1", host: "node-2", line: "GET / 200" }),
    "[shop-web-1@node-2] GET / 200\n",
  );
});

Deno.test("parseSince() / parseTail() / parseRevision(): defaults and usage errors", () => {
  assert.equal(parseSince(undefined), 300);
  assert.equal(parseSince("1h30m"), 5400);
  assert.throws(
    () => parseSince("soon"),
    (e) => e instanceof UsageError && /^--since: /.test(e.message),
  );
  assert.equal(parseTail(undefined), 0);
  assert.equal(parseTail("20"), 20);
  assert.throws(() => parseTail("-1"), UsageError);
  assert.equal(parseRevision(undefined), 0);
  assert.equal(parseRevision("3"), 3);
  assert.throws(() => parseRevision("0"), /--revision: expected a positive integer, got "0"/);
});

Deno.test("parseScope() splits <deployment>[/<service>] and refuses empty parts", () => {
  assert.deepEqual(parseScope(undefined), { deployment: "", service: "" });
  assert.deepEqual(parseScope("shop"), { deployment: "shop", service: "" });
  assert.deepEqual(parseScope("shop/web"), { deployment: "shop", service: "web" });
  for (const bad of ["shop/", "/web", "a/b/c"]) {
    assert.throws(() => parseScope(bad), /expected <deployment>\[\/<service>\], got/);
  }
});
