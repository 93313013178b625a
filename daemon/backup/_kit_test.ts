/**
 * Test helpers shared by this folder's tests: a valid meta, a fake snapshot, and assertions on
 * the refusal a {@link JacoError} carries.
 *
 * @module
 */
import assert from "node:assert/strict";
import { isJacoError } from "../../proto/errors.ts";
import type { BackupMeta } from "./backup_meta.ts";

/** A meta that passes every check. */
export function sampleMeta(overrides: Partial<BackupMeta> = {}): BackupMeta {
  return {
    clusterId: "6f1c2e0a-5b7d-4c1e-9a3f-0d2b4c6e8f10",
    snapshotIndex: 4242,
    snapshotTerm: 7,
    jacoVersion: "v1.4.2",
    takenAt: "2026-05-25T10:00:00Z",
    leaderAtSnapshot: "10.0.0.1:7001",
    ...overrides,
  };
}

/** Snapshot-like bytes covering every byte value, longer than one tar block and one chunk. */
export function sampleSnapshot(length = 70_000): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
  return bytes;
}

/** Asserts `error` is a JacoError with `code`, and a message containing `message` and details. */
export function assertJacoError(
  error: unknown,
  expected: { code: string; message: string | RegExp; details?: Record<string, string> },
): true {
  assert.ok(isJacoError(error), `expected a JacoError, got ${error}`);
  assert.equal(error.code, expected.code);
  if (typeof expected.message === "string") assert.equal(error.message, expected.message);
  else assert.match(error.message, expected.message);
  for (const [key, value] of Object.entries(expected.details ?? {})) {
    assert.equal(error.details[key], value, `details.${key}`);
  }
  return true;
}
