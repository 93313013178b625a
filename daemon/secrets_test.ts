import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { isJacoError } from "../proto/errors.ts";
import { hashSecret, newSecretHex, parseBearer, randomBytes, secretsEqual } from "./secrets.ts";

function assertJacoError(fn: () => unknown, code: string, message?: string): void {
  assert.throws(fn, (error) => {
    assert.ok(isJacoError(error), `expected a JacoError, got ${error}`);
    assert.equal(error.code, code);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

Deno.test("newSecretHex() returns 64 lowercase hex characters, fresh each call", () => {
  const first = newSecretHex();
  const second = newSecretHex();
  assert.match(first, /^[0-9a-f]{64}$/);
  assert.match(second, /^[0-9a-f]{64}$/);
  assert.notEqual(first, second);
});

Deno.test("newSecretHex() encodes the 32 drawn bytes in order", () => {
  const secret = newSecretHex((bytes) => {
    bytes.forEach((_, index) => bytes[index] = index * 8);
    return bytes;
  });
  const expected = Array.from(
    { length: 32 },
    (_, index) => (index * 8).toString(16).padStart(2, "0"),
  )
    .join("");
  assert.equal(secret, expected);
});

Deno.test("newSecretHex() turns a failing random source into rand_failed", () => {
  assertJacoError(() =>
    newSecretHex(() => {
      throw new Error("entropy pool gone");
    }), "rand_failed");
});

Deno.test("randomBytes() returns the requested length and keeps the cause of a failure", () => {
  assert.equal(randomBytes(16).length, 16);
  const cause = new Error("boom");
  assert.throws(
    () =>
      randomBytes(4, () => {
        throw cause;
      }),
    (error) => isJacoError(error) && error.cause === cause,
  );
});

Deno.test("hashSecret() is SHA-256 of the hex text, not of the decoded bytes", async () => {
  const secret = "ab".repeat(32);
  const ofText = createHash("sha256").update(secret, "utf8").digest("hex");
  const ofBytes = createHash("sha256").update(Buffer.from(secret, "hex")).digest("hex");
  const hashed = await hashSecret(secret);
  assert.match(hashed, /^[0-9a-f]{64}$/);
  assert.equal(hashed, ofText);
  assert.notEqual(hashed, ofBytes);
});

Deno.test("hashSecret() matches the published SHA-256 of 'abc'", async () => {
  assert.equal(
    await hashSecret("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("secretsEqual() is true only for identical strings", async () => {
  const hash = await hashSecret(newSecretHex());
  assert.equal(secretsEqual(hash, hash.slice()), true);
  assert.equal(secretsEqual("", ""), true);
  const lastFlipped = hash.slice(0, -1) + (hash.endsWith("0") ? "1" : "0");
  const firstFlipped = (hash.startsWith("0") ? "1" : "0") + hash.slice(1);
  assert.equal(secretsEqual(hash, lastFlipped), false);
  assert.equal(secretsEqual(hash, firstFlipped), false);
  assert.equal(secretsEqual(hash, hash.slice(0, -1)), false);
  assert.equal(secretsEqual(hash.slice(0, -1), hash), false);
  assert.equal(secretsEqual("a", ""), false);
  // A shorter string whose missing tail would read as char code 0 must still differ.
  assert.equal(secretsEqual("a\u0000", "a"), false);
});

Deno.test("parseBearer() returns the token of a Bearer header", () => {
  assert.equal(parseBearer("Bearer abc123"), "abc123");
  assert.equal(parseBearer("bearer abc123"), "abc123");
  assert.equal(parseBearer("  Bearer \t abc123  "), "abc123");
});

Deno.test("parseBearer() rejects a missing header as token_invalid", () => {
  assertJacoError(() => parseBearer(undefined), "token_invalid", "missing authorization header");
  assertJacoError(() => parseBearer(null), "token_invalid", "missing authorization header");
});

Deno.test("parseBearer() rejects other schemes and empty tokens as token_invalid", () => {
  const message = "authorization header must use Bearer scheme";
  for (
    const header of [
      "",
      "Basic dXNlcjpwYXNz",
      "Token abc",
      "Bearer",
      "Bearer   ",
      "Bearerabc",
      "abc",
    ]
  ) {
    assertJacoError(() => parseBearer(header), "token_invalid", message);
  }
});
