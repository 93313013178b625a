/**
 * The node's WireGuard identity (networking.md §4.1 "Key"): a Curve25519 private key generated
 * once with WebCrypto X25519, persisted base64 + newline at `<data_dir>/wg/private.key` (directory
 * 0700, file 0600) and reused forever; the public key is derived from it and published raw
 * (32 bytes) with `NodeUpdateSelf`.
 *
 * Decisions where the spec is silent:
 * - The raw key is the last 32 bytes of WebCrypto's PKCS#8 export (a fixed 16-byte X25519
 *   prefix); the public key is derived by importing it back and reading the JWK `x` member,
 *   which is what `wg pubkey` computes (WebCrypto and WireGuard both clamp the scalar).
 * - An existing file that is not base64 of 32 bytes is an error, never silently replaced: a
 *   new key would orphan every peer's configuration of this node.
 * - Modes are re-asserted on every load (a restored backup may carry looser ones).
 *
 * @module
 */

/** A WireGuard key pair, raw 32-byte keys. */
export interface WireguardKeyPair {
  /** Private key (the secret). */
  privateKey: Uint8Array;
  /** Public key (published in `Node.wireguard_pubkey`). */
  publicKey: Uint8Array;
}

/** A key file that cannot be used. */
export class WireguardKeyError extends Error {
  /** @param message what is wrong, naming the file */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WireguardKeyError";
  }
}

const pkcs8Prefix = Uint8Array.from([
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x6e,
  0x04,
  0x22,
  0x04,
  0x20,
]);

/** Standard base64 of `bytes` (WireGuard's key text form). */
export function keyToBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The raw bytes of a base64 WireGuard key.
 *
 * @throws {WireguardKeyError} when `text` is not base64 of exactly 32 bytes
 */
export function keyFromBase64(text: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(text.trim()), (c) => c.charCodeAt(0));
  } catch (error) {
    throw new WireguardKeyError("wireguard key is not base64", { cause: error });
  }
  if (bytes.length !== 32) {
    throw new WireguardKeyError(`wireguard key has ${bytes.length} bytes, want 32`);
  }
  return bytes;
}

/** A fresh random private key. */
export async function generatePrivateKey(): Promise<Uint8Array> {
  const pair = await crypto.subtle.generateKey({ name: "X25519" }, true, [
    "deriveBits",
  ]) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  return pkcs8.slice(pkcs8Prefix.length);
}

/**
 * The public key of a raw private key (= `wg pubkey`).
 *
 * @example
 * ```ts
 * const privateKey = await generatePrivateKey();
 * keyToBase64(await publicKeyOf(privateKey)); // what `echo <private> | wg pubkey` prints
 * ```
 */
export async function publicKeyOf(privateKey: Uint8Array): Promise<Uint8Array> {
  const pkcs8 = new Uint8Array(pkcs8Prefix.length + 32);
  pkcs8.set(pkcs8Prefix);
  pkcs8.set(privateKey, pkcs8Prefix.length);
  const key = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "X25519" }, true, [
    "deriveBits",
  ]);
  const jwk = await crypto.subtle.exportKey("jwk", key);
  const base64 = (jwk.x ?? "").replaceAll("-", "+").replaceAll("_", "/");
  return keyFromBase64(base64.padEnd(44, "="));
}

/** Path of the key file under a data dir. */
export function privateKeyPath(dataDir: string): string {
  return `${dataDir}/wg/private.key`;
}

/**
 * Loads the node's key pair from `<dataDir>/wg/private.key`, creating it on first use.
 *
 * @throws {WireguardKeyError} when the file exists but holds no valid key
 */
export async function loadOrCreateKeyPair(dataDir: string): Promise<WireguardKeyPair> {
  const dir = `${dataDir}/wg`;
  const path = privateKeyPath(dataDir);
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  await Deno.chmod(dir, 0o700);
  let privateKey: Uint8Array;
  try {
    const text = await Deno.readTextFile(path);
    try {
      privateKey = keyFromBase64(text);
    } catch (error) {
      throw new WireguardKeyError(`${path}: ${(error as Error).message}`, { cause: error });
    }
    await Deno.chmod(path, 0o600);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    privateKey = await generatePrivateKey();
    // createNew: two starts racing on a fresh data dir keep the first key, never mix them.
    await Deno.writeTextFile(path, keyToBase64(privateKey) + "\n", { createNew: true, mode: 0o600 })
      .catch(async (raced) => {
        if (!(raced instanceof Deno.errors.AlreadyExists)) throw raced;
        privateKey = keyFromBase64(await Deno.readTextFile(path));
      });
  }
  return { privateKey, publicKey: await publicKeyOf(privateKey) };
}
