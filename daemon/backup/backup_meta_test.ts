import assert from "node:assert/strict";
import {
  encodeBackupMeta,
  formatRfc3339Utc,
  majorVersion,
  parseBackupMeta,
  versionsCompatible,
} from "./backup_meta.ts";
import { assertJacoError, sampleMeta } from "./_kit_test.ts";

function metaRecord(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...JSON.parse(encodeBackupMeta(sampleMeta())), ...overrides });
}

Deno.test("encodeBackupMeta() writes the §8.1 fields in table order with 2-space indent", () => {
  const text = encodeBackupMeta(sampleMeta());
  assert.equal(
    text,
    [
      "{",
      '  "schema_version": 1,',
      '  "cluster_id": "6f1c2e0a-5b7d-4c1e-9a3f-0d2b4c6e8f10",',
      '  "snapshot_index": 4242,',
      '  "snapshot_term": 7,',
      '  "jaco_version": "v1.4.2",',
      '  "taken_at": "2026-05-25T10:00:00Z",',
      '  "leader_at_snapshot": "10.0.0.1:7001"',
      "}",
      "",
    ].join("\n"),
  );
});

Deno.test("parseBackupMeta() reads back what encodeBackupMeta() wrote", () => {
  const meta = sampleMeta({ jacoVersion: "", takenAt: "2026-05-25T10:00:00.123+02:00" });
  assert.deepEqual(parseBackupMeta(encodeBackupMeta(meta)), meta);
});

Deno.test("parseBackupMeta() ignores fields it does not know", () => {
  assert.deepEqual(parseBackupMeta(metaRecord({ comment: "nightly" })), sampleMeta());
});

Deno.test("parseBackupMeta() names the field of every malformed value", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["cluster_id", { cluster_id: 5 }, "must be a string"],
    ["cluster_id", { cluster_id: "" }, "must be non-empty"],
    ["cluster_id", { cluster_id: "a b" }, "must be non-empty"],
    ["snapshot_index", { snapshot_index: "12" }, "integer ≥ 1"],
    ["snapshot_index", { snapshot_index: 0 }, "integer ≥ 1"],
    ["snapshot_index", { snapshot_index: 1.5 }, "integer ≥ 1"],
    ["snapshot_index", { snapshot_index: 2 ** 60 }, "integer ≥ 1"],
    ["snapshot_term", { snapshot_term: null }, "integer ≥ 1"],
    ["snapshot_term", { snapshot_term: undefined }, "integer ≥ 1"],
    ["jaco_version", { jaco_version: 1 }, "must be a string"],
    ["taken_at", { taken_at: "yesterday" }, "RFC 3339"],
    ["taken_at", { taken_at: "2026-13-45T10:00:00Z" }, "RFC 3339"],
    ["leader_at_snapshot", { leader_at_snapshot: ["a"] }, "must be a string"],
    ["schema_version", { schema_version: undefined }, "is missing"],
  ];
  for (const [field, overrides, fragment] of cases) {
    assert.throws(() => parseBackupMeta(metaRecord(overrides)), (error) =>
      assertJacoError(error, {
        code: "validation_failed",
        message: new RegExp(`^malformed meta\\.json: ${field} .*${fragment}`),
        details: { reason: "malformed_meta", field },
      }), field);
  }
});

Deno.test("parseBackupMeta() refuses text that is not a JSON object", () => {
  for (const text of ["{", "[]", "null", "42", ""]) {
    assert.throws(() => parseBackupMeta(text), (error) =>
      assertJacoError(error, {
        code: "validation_failed",
        message: /^malformed meta\.json: /,
        details: { reason: "malformed_meta", field: "meta.json" },
      }), text);
  }
});

Deno.test("parseBackupMeta() reports a schema mismatch before any other field", () => {
  for (const schema of [2, 0, "1"]) {
    // A future schema may rename fields: the mismatch, not a missing cluster_id, is the news.
    assert.throws(
      () => parseBackupMeta(JSON.stringify({ schema_version: schema })),
      (error) =>
        assertJacoError(error, {
          code: "validation_failed",
          message: /^backup schema mismatch: schema_version /,
          details: { reason: "schema_mismatch", field: "schema_version" },
        }),
      String(schema),
    );
  }
});

Deno.test("encodeBackupMeta() refuses a meta the reader would refuse", () => {
  assert.throws(
    () => encodeBackupMeta(sampleMeta({ snapshotIndex: 0 })),
    (error) =>
      assertJacoError(error, {
        code: "validation_failed",
        message: /snapshot_index/,
        details: { field: "snapshot_index" },
      }),
  );
});

Deno.test("majorVersion() takes the text before the first dot, without a leading v", () => {
  const cases: [string, string][] = [
    ["1.4.2", "1"],
    ["v1.4.2", "1"],
    ["v12", "12"],
    ["2.0.0-rc.1", "2"],
    ["dev", "dev"],
    ["v", ""],
    ["", ""],
    [".5", ""],
    ["vv1.0", "v1"],
  ];
  for (const [version, major] of cases) assert.equal(majorVersion(version), major, version);
});

Deno.test("versionsCompatible() matches majors and treats an empty side as compatible", () => {
  const cases: [string, string, boolean][] = [
    ["1.4.2", "v1.9.0", true],
    ["v1.0.0", "1.0.0", true],
    ["1.4.2", "2.0.0", false],
    ["v2", "v1.9", false],
    ["", "3.1.0", true],
    ["3.1.0", "", true],
    ["v.1", "9.0", true],
    ["dev", "1.0", false],
  ];
  for (const [backup, running, compatible] of cases) {
    assert.equal(versionsCompatible(backup, running), compatible, `${backup} vs ${running}`);
  }
});

Deno.test("formatRfc3339Utc() renders whole seconds in UTC", () => {
  assert.equal(
    formatRfc3339Utc(new Date(Date.UTC(2026, 4, 25, 10, 0, 7, 999))),
    "2026-05-25T10:00:07Z",
  );
  assert.throws(() => formatRfc3339Utc(new Date(NaN)), RangeError);
});
