import assert from "node:assert/strict";
import { isJacoError } from "../../proto/errors.ts";
import { type AuditEvent, AuditEventType } from "../../proto/mod.ts";
import { auditMatcher } from "./audit_filter.ts";
import { at } from "./_fixture_test.ts";

const { AUDIT_EVENT_TYPE_APPLY: apply, AUDIT_EVENT_TYPE_TOKEN_REVOKE: tokenRevoke } =
  AuditEventType;

function event(type: AuditEventType, ts: Date | undefined): AuditEvent {
  return { raftIndex: 1, type, identity: "alice", ts, payload: {} };
}

Deno.test("auditMatcher() with no filters matches every event, with or without ts", () => {
  const matches = auditMatcher({ types: [], since: undefined, until: undefined });
  assert.equal(matches(event(apply, at(1))), true);
  assert.equal(matches(event(tokenRevoke, undefined)), true);
});

Deno.test("auditMatcher() keeps only the listed types", () => {
  const matches = auditMatcher({ types: [tokenRevoke], since: undefined, until: undefined });
  assert.equal(matches(event(tokenRevoke, at(1))), true);
  assert.equal(matches(event(apply, at(1))), false);
});

Deno.test("auditMatcher() bounds since and until inclusively", () => {
  const matches = auditMatcher({ types: [], since: at(10), until: at(20) });
  assert.deepEqual([9, 10, 15, 20, 21].map((s) => matches(event(apply, at(s)))), [
    false,
    true,
    true,
    true,
    false,
  ]);
});

Deno.test("auditMatcher() excludes events without ts when since or until is set", () => {
  assert.equal(
    auditMatcher({ types: [], since: at(0), until: undefined })(event(apply, undefined)),
    false,
  );
  assert.equal(
    auditMatcher({ types: [], since: undefined, until: at(0) })(event(apply, undefined)),
    false,
  );
});

Deno.test("auditMatcher() rejects unknown, unspecified and retired types as validation_failed", () => {
  for (const type of [0, 22, 99, -1]) {
    assert.throws(
      () =>
        auditMatcher({
          types: [apply, type as AuditEventType],
          since: undefined,
          until: undefined,
        }),
      (error) =>
        isJacoError(error) && error.code === "validation_failed" &&
        error.message === `types: unknown audit type ${type}` &&
        error.details.value === String(type),
    );
  }
});

Deno.test("auditMatcher() rejects since after until", () => {
  assert.throws(
    () => auditMatcher({ types: [], since: at(5), until: at(4) }),
    (error) =>
      isJacoError(error) && error.code === "validation_failed" &&
      error.message.startsWith("since: 2026-06-01T12:00:05.000Z is after until"),
  );
});
