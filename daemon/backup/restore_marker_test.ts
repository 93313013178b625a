import assert from "node:assert/strict";
import { parseRestoreMarker, restoreMarker } from "./restore_marker.ts";
import { assertJacoError, sampleMeta } from "./_kit_test.ts";

const importedAt = new Date("2026-06-01T08:30:15.999Z");
const marker = [
  "cluster_id=6f1c2e0a-5b7d-4c1e-9a3f-0d2b4c6e8f10",
  "snapshot_index=4242",
  "taken_at=2026-05-25T10:00:00Z",
  "imported_at=2026-06-01T08:30:15Z",
  "",
].join("\n");

Deno.test("restoreMarker() renders the four §8.2 lines in order", () => {
  assert.equal(restoreMarker(sampleMeta(), importedAt), marker);
});

Deno.test("restoreMarker() keeps taken_at verbatim from meta.json", () => {
  const text = restoreMarker(sampleMeta({ takenAt: "2026-05-25T12:00:00.5+02:00" }), importedAt);
  assert.match(text, /^taken_at=2026-05-25T12:00:00\.5\+02:00$/m);
});

Deno.test("parseRestoreMarker() reads back what restoreMarker() wrote", () => {
  assert.deepEqual(parseRestoreMarker(restoreMarker(sampleMeta(), importedAt)), {
    clusterId: "6f1c2e0a-5b7d-4c1e-9a3f-0d2b4c6e8f10",
    snapshotIndex: 4242,
    takenAt: "2026-05-25T10:00:00Z",
    importedAt: "2026-06-01T08:30:15Z",
  });
});

Deno.test("parseRestoreMarker() tolerates CRLF, blank lines and unknown keys", () => {
  const text = "\r\n" + marker.replaceAll("\n", "\r\n") + "restored_by=ops\n\n";
  assert.equal(parseRestoreMarker(text).snapshotIndex, 4242);
});

Deno.test("parseRestoreMarker() names the field that is missing, repeated or bad", () => {
  const replace = (key: string, line: string | null) =>
    marker.split("\n").map((l) => l.startsWith(`${key}=`) ? line : l).filter((l) => l !== null)
      .join("\n");
  const cases: [string, string, string][] = [
    ["cluster_id", replace("cluster_id", null), "is missing"],
    ["imported_at", replace("imported_at", null), "is missing"],
    ["snapshot_index", marker + "snapshot_index=5\n", "appears twice"],
    ["snapshot_index", replace("snapshot_index", "snapshot_index=-1"), "integer ≥ 1"],
    ["snapshot_index", replace("snapshot_index", "snapshot_index=0"), "integer ≥ 1"],
    ["snapshot_index", replace("snapshot_index", "snapshot_index=1e3"), "integer ≥ 1"],
    ["cluster_id", replace("cluster_id", "cluster_id="), "must be non-empty"],
    ["taken_at", replace("taken_at", "taken_at=last tuesday"), "RFC 3339"],
    ["imported_at", replace("imported_at", "imported_at=2026-06-01"), "RFC 3339"],
    ["line", marker + "garbage\n", "is not key=value"],
  ];
  for (const [field, text, fragment] of cases) {
    assert.throws(() => parseRestoreMarker(text), (error) =>
      assertJacoError(error, {
        code: "validation_failed",
        message: new RegExp(`^restore marker ${field} .*${fragment}`),
        details: { field },
      }), `${field}: ${fragment}`);
  }
});

Deno.test("restoreMarker() refuses values that would not read back", () => {
  for (
    const meta of [
      sampleMeta({ clusterId: "c1\nsnapshot_index=9" }),
      sampleMeta({ snapshotIndex: 0 }),
    ]
  ) {
    assert.throws(
      () => restoreMarker(meta, importedAt),
      (error) => assertJacoError(error, { code: "validation_failed", message: /^restore marker / }),
    );
  }
  assert.throws(() => restoreMarker(sampleMeta(), new Date(NaN)), RangeError);
});
