import assert from "node:assert/strict";
import { isJacoError } from "../proto/errors.ts";
import { createClusterCa, createNodeKeyAndCsr, signNodeCsr } from "../daemon/mod.ts";
import { caFingerprintOf } from "./node_issue_join_token.ts";
import { checkChain, normalizeFingerprint } from "./node_join_ca_check.ts";

const now = new Date("2026-06-01T12:00:00Z");

function derOf(pem: string): Uint8Array<ArrayBuffer> {
  const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(body), (char) => char.charCodeAt(0));
}

async function leafOf(ca: { certPem: string; keyPem: string }): Promise<string> {
  const { csrPem } = await createNodeKeyAndCsr({ hostname: "node-1", ips: ["127.0.0.1"] });
  return await signNodeCsr({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, now });
}

const refused = (error: unknown) => isJacoError(error) && error.code === "validation_failed";

Deno.test("checkChain() accepts a leaf signed by the pinned CA, pin in either notation", async () => {
  const ca = await createClusterCa({ now });
  const pin = await caFingerprintOf(new TextEncoder().encode(ca.certPem));
  assert.match(pin, /^[0-9a-f]{64}$/);
  const chain = [derOf(await leafOf(ca)), derOf(ca.certPem)];
  await checkChain(chain, pin);
  await checkChain(chain, pin.toUpperCase().match(/../g)!.join(":"));
  assert.equal(normalizeFingerprint("AB:CD"), "abcd");
});

Deno.test("checkChain() refuses a chain without the pinned CA or a leaf of another CA", async () => {
  const ca = await createClusterCa({ now });
  const other = await createClusterCa({ now });
  const pin = await caFingerprintOf(new TextEncoder().encode(ca.certPem));
  await assert.rejects(
    checkChain([derOf(await leafOf(other)), derOf(other.certPem)], pin),
    refused,
  );
  await assert.rejects(checkChain([derOf(await leafOf(ca))], pin), refused);
  await assert.rejects(checkChain([derOf(await leafOf(other)), derOf(ca.certPem)], pin), refused);
});
