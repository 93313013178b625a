import assert from "node:assert/strict";
import { AuditEventType, ClusterInit, Command } from "../../proto/mod.ts";
import { isJacoError } from "../../proto/errors.ts";
import { ClusterState } from "../../state/mod.ts";
import { hashSecret } from "../secrets.ts";
import type { CommandSubmitter } from "./submit.ts";
import { issueToken, listTokens, revokeToken, type TokenDeps, validateIdentity } from "./tokens.ts";

const clusterId = "c0ffee00-0000-4000-8000-000000000002";

/** A real ClusterState behind a submitter that applies each command at the next index. */
function cluster(): TokenDeps & { state: ClusterState; writes: number } {
  const state = new ClusterState();
  let index = 0;
  let clock = Date.parse("2026-03-01T00:00:00Z");
  const apply = (payload: Command["payload"], identity: string) => {
    clock += 1000;
    const command = { clusterId, raftIndex: 0, ts: new Date(clock), identity, payload };
    state.apply(Command.encode(Command.fromPartial(command)).finish(), ++index);
    return index;
  };
  apply(
    { $case: "clusterInit", value: ClusterInit.fromPartial({ clusterId, selfHostname: "n1" }) },
    "bootstrap",
  );
  const deps = {
    state,
    writes: 0,
    submitter: {
      submit(payload, identity) {
        deps.writes++;
        return Promise.resolve({ raftIndex: apply(payload, identity) });
      },
    } as CommandSubmitter,
    view: () => state.view(),
    now: () => new Date(clock),
  };
  return deps;
}

Deno.test("issueToken() returns a 64-hex secret once and stores only its SHA-256", async () => {
  const deps = cluster();
  const issued = await issueToken({ identity: "alice", allowsPrivileged: true }, "local", deps);
  assert.match(issued.token, /^[0-9a-f]{64}$/);
  assert.equal(issued.identity, "alice");
  const stored = deps.state.view().token("alice")!;
  const hex = Array.from(stored.hashedSecret, (byte) => byte.toString(16).padStart(2, "0")).join(
    "",
  );
  assert.equal(hex, await hashSecret(issued.token));
  assert.equal(issued.issuedAt?.getTime(), stored.issuedAt?.getTime());
  assert.equal(stored.allowsPrivileged, true);
  const audit = deps.state.view().auditEvents().at(-1)!;
  assert.equal(audit.type, AuditEventType.AUDIT_EVENT_TYPE_TOKEN_ISSUE);
  assert.equal(audit.identity, "local");
});

Deno.test("issueToken() refuses empty, reserved and active identities with validation_failed", async () => {
  const deps = cluster();
  const code = (message: RegExp) => (error: unknown) =>
    isJacoError(error) && error.code === "validation_failed" && message.test(error.message);
  await assert.rejects(
    issueToken({ identity: "", allowsPrivileged: false }, "local", deps),
    code(/^identity is required$/),
  );
  await assert.rejects(
    issueToken({ identity: "local", allowsPrivileged: false }, "local", deps),
    code(/reserved/),
  );
  await issueToken({ identity: "bob", allowsPrivileged: false }, "local", deps);
  await assert.rejects(
    issueToken({ identity: "bob", allowsPrivileged: false }, "local", deps),
    code(/^identity "bob" already has an active token/),
  );
  assert.equal(deps.writes, 1);
});

Deno.test("revokeToken() revokes once, refuses unknown identities, and allows re-issue after", async () => {
  const deps = cluster();
  await issueToken({ identity: "carol", allowsPrivileged: false }, "local", deps);
  await revokeToken({ identity: "carol" }, "alice", deps);
  const revokedAt = deps.state.view().token("carol")?.revokedAt;
  assert.ok(revokedAt);
  await revokeToken({ identity: "carol" }, "alice", deps);
  assert.equal(deps.state.view().token("carol")?.revokedAt?.getTime(), revokedAt.getTime());
  assert.equal(deps.writes, 2);
  const audit = deps.state.view().auditEvents().at(-1)!;
  assert.equal(audit.type, AuditEventType.AUDIT_EVENT_TYPE_TOKEN_REVOKE);
  assert.equal(audit.identity, "alice");
  await assert.rejects(
    revokeToken({ identity: "nobody" }, "local", deps),
    (error) =>
      isJacoError(error) && error.code === "validation_failed" &&
      error.details.reason === "unknown_identity",
  );
  const again = await issueToken({ identity: "carol", allowsPrivileged: false }, "local", deps);
  assert.match(again.token, /^[0-9a-f]{64}$/);
  assert.equal(deps.state.view().token("carol")?.revokedAt, undefined);
});

Deno.test("listTokens() is sorted by identity, shows allows_privileged and never a hash", async () => {
  const deps = cluster();
  await issueToken({ identity: "zed", allowsPrivileged: true }, "local", deps);
  await issueToken({ identity: "amy", allowsPrivileged: false }, "local", deps);
  const { tokens } = listTokens(deps);
  assert.deepEqual(tokens.map((token) => token.identity), ["amy", "zed"]);
  assert.deepEqual(tokens.map((token) => token.allowsPrivileged), [false, true]);
  for (const token of tokens) assert.equal("hashedSecret" in token, false);
});

Deno.test("validateIdentity() refuses whitespace, node: names and overlong identities", () => {
  for (const bad of ["a b", "tab\t", "node:n1", "anonymous", "x".repeat(129)]) {
    assert.throws(() => validateIdentity(bad), (error) => isJacoError(error), bad);
  }
  validateIdentity("ci-bot@example");
});
