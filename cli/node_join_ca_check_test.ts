import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { createClusterCa } from "../daemon/mod.ts";
import { caFingerprintOf } from "./node_issue_join_token.ts";
import { normalizeFingerprint } from "./node_join_ca_check.ts";

const now = new Date("2026-06-01T12:00:00Z");

Deno.test("the printed CA fingerprint is the one the joining daemon compares (SHA-256 of the DER)", async () => {
  const ca = await createClusterCa({ now });
  const pin = await caFingerprintOf(new TextEncoder().encode(ca.certPem));
  assert.match(pin, /^[0-9a-f]{64}$/);
  assert.equal(normalizeFingerprint(new X509Certificate(ca.certPem).fingerprint256), pin);
});

Deno.test("normalizeFingerprint() accepts either notation", () => {
  assert.equal(normalizeFingerprint(" AB:CD "), "abcd");
  assert.equal(normalizeFingerprint("abcd"), "abcd");
});
