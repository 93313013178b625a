import assert from "node:assert/strict";
import { ListTokensResponse } from "../proto/mod.ts";
import { parse as parseYaml } from "yaml";
import { formatTokenIssued, formatTokenList, formatTokenRevoked, issueIdentity } from "./token.ts";
import { UsageError } from "./_usage_error.ts";

const response = ListTokensResponse.fromPartial({
  tokens: [
    { identity: "alice", issuedAt: new Date("2026-06-01T12:00:00.250Z"), allowsPrivileged: true },
    {
      identity: "bob",
      issuedAt: new Date("2026-06-01T12:00:01Z"),
      revokedAt: new Date("2026-06-02T08:30:00Z"),
    },
  ],
});

Deno.test("formatTokenList() prints the fixed-width table with - for active tokens", async () => {
  assert.equal(
    await formatTokenList(response, "table"),
    "IDENTITY                       ISSUED               REVOKED              PRIVILEGED\n" +
      "alice                          2026-06-01T12:00:00Z -                    yes\n" +
      "bob                            2026-06-01T12:00:01Z 2026-06-02T08:30:00Z no\n",
  );
});

Deno.test("formatTokenList() json omits revoked_at while active and keeps allows_privileged", async () => {
  const { tokens } = JSON.parse(await formatTokenList(response, "json"));
  assert.deepEqual(tokens[0], {
    identity: "alice",
    issued_at: "2026-06-01T12:00:00Z",
    allows_privileged: true,
  });
  assert.equal(tokens[1].revoked_at, "2026-06-02T08:30:00Z");
});

Deno.test("issueIdentity() takes the argument or --name and refuses a conflict or neither", () => {
  assert.equal(issueIdentity({ args: ["alice"], flags: {} }), "alice");
  assert.equal(issueIdentity({ args: [], flags: { name: "bob" } }), "bob");
  assert.equal(issueIdentity({ args: ["bob"], flags: { name: "bob" } }), "bob");
  assert.throws(() => issueIdentity({ args: ["a"], flags: { name: "b" } }), UsageError);
  assert.throws(
    () => issueIdentity({ args: [], flags: {} }),
    (error) => error instanceof UsageError && error.message === 'required flag(s) "name" not set',
  );
});

Deno.test("token issue -o json|yaml prints identity, token and allows_privileged", async () => {
  const issued = { identity: "alice", token: "ab".repeat(32) };
  const expected = { identity: "alice", token: "ab".repeat(32), allows_privileged: true };
  assert.equal(
    await formatTokenIssued(issued, true, "table"),
    `Token for alice (save this; not recoverable): ${"ab".repeat(32)}\n`,
  );
  assert.deepEqual(JSON.parse(await formatTokenIssued(issued, true, "json")), expected);
  assert.deepEqual(parseYaml(await formatTokenIssued(issued, true, "yaml")), expected);
});

Deno.test("token revoke -o json|yaml prints {revoked: <identity>}", async () => {
  assert.equal(await formatTokenRevoked("bob", "table"), "Revoked token for bob\n");
  assert.deepEqual(JSON.parse(await formatTokenRevoked("bob", "json")), { revoked: "bob" });
  assert.deepEqual(parseYaml(await formatTokenRevoked("bob", "yaml")), { revoked: "bob" });
});
