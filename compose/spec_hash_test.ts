import assert from "node:assert/strict";
import { sha256Hex } from "./_sha256.ts";
import { parseComposeProject } from "./compose_project.ts";
import { canonicalJson, specHash } from "./spec_hash.ts";

async function subtleHex(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("sha256Hex() matches crypto.subtle across block boundaries", async () => {
  for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
    const data = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
    assert.equal(sha256Hex(data), await subtleHex(data), `length ${length}`);
  }
  assert.equal(
    sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("canonicalJson() sorts keys at every level and drops whitespace", () => {
  assert.equal(
    canonicalJson({ b: [1, { d: 1, c: null }], a: "x" }),
    '{"a":"x","b":[1,{"c":null,"d":1}]}',
  );
});

Deno.test("specHash() ignores comments, key order and formatting", () => {
  const a = parseComposeProject(
    "services:\n  web:\n    image: nginx\n    environment: {A: '1', B: '2'}\n",
  );
  const b = parseComposeProject(
    "# comment\nservices:\n  web: {environment: {B: '2', A: '1'},   image: nginx}  # trailing\n",
  );
  assert.equal(specHash(a, "web"), specHash(b, "web"));
  assert.match(specHash(a, "web"), /^[0-9a-f]{64}$/);
});

Deno.test("specHash() changes with any semantic change, resolving anchors", () => {
  const base = parseComposeProject("services:\n  web: {image: nginx, environment: {A: '1'}}\n");
  const changed = parseComposeProject("services:\n  web: {image: nginx, environment: {A: '2'}}\n");
  const anchored = parseComposeProject(
    "x-env: &env {A: '1'}\nservices:\n  web: {image: nginx, environment: *env}\n",
  );
  assert.notEqual(specHash(base, "web"), specHash(changed, "web"));
  assert.equal(specHash(base, "web"), specHash(anchored, "web"));
});

Deno.test("specHash() refuses an unknown service with unknown_service", () => {
  const project = parseComposeProject("services: {web: {image: x}}\n");
  assert.throws(() => specHash(project, "db"), { name: "JacoError", code: "unknown_service" });
});
