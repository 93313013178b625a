import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { createBootstrapMaterial } from "./init.ts";
import { checkPinnedChain, normalizeCaPin, parseCaPin } from "./join_ca_pin.ts";

const now = new Date("2026-06-01T12:00:00Z");

async function cluster() {
  const material = await createBootstrapMaterial({ hostname: "node-1", ips: [], now });
  const ca = new X509Certificate(material.ca.certPem);
  return {
    leaf: new Uint8Array(new X509Certificate(material.node.certPem).raw),
    ca: new Uint8Array(ca.raw),
    pin: normalizeCaPin(ca.fingerprint256),
  };
}

Deno.test("parseCaPin() accepts 64 hex digits with or without colons and refuses the rest", () => {
  const hex = "AB".repeat(32);
  assert.equal(parseCaPin(hex), "ab".repeat(32));
  assert.equal(parseCaPin(hex.match(/../g)!.join(":")), "ab".repeat(32));
  for (const bad of ["ab", "zz".repeat(32), "ab".repeat(33)]) {
    assert.throws(() => parseCaPin(bad), {
      code: "validation_failed",
      details: { field: "ca_fingerprint", value: bad },
    });
  }
});

Deno.test("checkPinnedChain() passes a leaf signed by the pinned CA it presents", async () => {
  const { leaf, ca, pin } = await cluster();
  assert.equal(checkPinnedChain([leaf, ca], pin), undefined);
});

Deno.test("checkPinnedChain() refuses a chain without the pinned CA", async () => {
  const { leaf, ca } = await cluster();
  const failure = checkPinnedChain([leaf, ca], "0".repeat(64));
  assert.equal(failure?.code, "validation_failed");
  assert.equal(failure?.details.reason, "ca_fingerprint_mismatch");
  assert.match(failure!.message, /^peer presented no ca with fingerprint "0{64}"/);
  assert.equal(checkPinnedChain([], "0".repeat(64))?.code, "validation_failed");
});

Deno.test("checkPinnedChain() refuses an impostor leaf shown next to the genuine CA", async () => {
  const genuine = await cluster();
  const impostor = await cluster();
  const failure = checkPinnedChain([impostor.leaf, genuine.ca], genuine.pin);
  assert.equal(failure?.details.reason, "ca_fingerprint_mismatch");
  assert.match(failure!.message, /not signed by the ca/);
});
