/**
 * The node's WireGuard key file (`wireguard_key.ts`), checked against `wg pubkey` when present.
 */
import assert from "node:assert/strict";
import {
  generatePrivateKey,
  keyFromBase64,
  keyToBase64,
  loadOrCreateKeyPair,
  privateKeyPath,
  publicKeyOf,
  WireguardKeyError,
} from "./wireguard_key.ts";

async function wgPubkey(privateKey: string): Promise<string | undefined> {
  try {
    const child = new Deno.Command("wg", { args: ["pubkey"], stdin: "piped", stdout: "piped" })
      .spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(privateKey + "\n"));
    await writer.close();
    const out = await child.output();
    return out.code === 0 ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined; // no wireguard-tools: the cross-check is skipped
  }
}

Deno.test("publicKeyOf() derives what `wg pubkey` derives, for fresh and fixed keys", async (t) => {
  const fixed = keyFromBase64("UwMIjrQWB5H1OkmGzZlBO/QJJXW7YsC1naunvnkFSaY=");
  assert.equal(
    keyToBase64(await publicKeyOf(fixed)),
    "85CyXQCGEYALzXYbMIN46D+MKKzMhfpuKyA84ITphgg=",
  );
  const fresh = await generatePrivateKey();
  assert.equal(fresh.length, 32);
  const expected = await wgPubkey(keyToBase64(fresh));
  if (expected === undefined) {
    await t.step({ name: "wg pubkey cross-check (wg missing)", ignore: true, fn() {} });
    return;
  }
  assert.equal(keyToBase64(await publicKeyOf(fresh)), expected);
});

Deno.test("keyFromBase64() refuses text that is not base64 of 32 bytes", () => {
  assert.throws(() => keyFromBase64("not base64!"), WireguardKeyError);
  assert.throws(() => keyFromBase64(btoa("short")), /5 bytes, want 32/);
});

Deno.test("loadOrCreateKeyPair() creates wg/private.key once (0700/0600, base64 + newline) and reuses it", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const first = await loadOrCreateKeyPair(dataDir);
    const path = privateKeyPath(dataDir);
    const text = await Deno.readTextFile(path);
    assert.match(text, /^[A-Za-z0-9+/]{43}=\n$/);
    assert.equal(text, keyToBase64(first.privateKey) + "\n");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${dataDir}/wg`)).mode! & 0o777, 0o700);
    await Deno.chmod(path, 0o644);
    const second = await loadOrCreateKeyPair(dataDir);
    assert.deepEqual(second, first);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600, "mode re-asserted");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("loadOrCreateKeyPair() never replaces a corrupt key file", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dataDir}/wg`);
    await Deno.writeTextFile(privateKeyPath(dataDir), "garbage\n");
    await assert.rejects(loadOrCreateKeyPair(dataDir), WireguardKeyError);
    assert.equal(await Deno.readTextFile(privateKeyPath(dataDir)), "garbage\n");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
