/**
 * Bearer secrets of the trust model (auth-and-config.md §2–§3): operator and
 * join tokens are 32 CSPRNG bytes as 64 lowercase hex characters, stored only
 * as the SHA-256 of that hex text, compared in constant time, and presented as
 * `authorization: Bearer <token>`.
 *
 * @module
 */
import { JacoError } from "../proto/errors.ts";

/** Fills a buffer with random bytes, like `crypto.getRandomValues` (injected so tests can fail it). */
export type RandomSource = (bytes: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer>;

const cryptoRandom: RandomSource = (bytes) => crypto.getRandomValues(bytes);

/**
 * `length` bytes from the CSPRNG (or the injected source).
 *
 * @throws {JacoError} `rand_failed` when the source throws
 */
export function randomBytes(
  length: number,
  random: RandomSource = cryptoRandom,
): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  try {
    random(bytes);
  } catch (cause) {
    throw new JacoError("rand_failed", `random source failed drawing ${length} bytes`, {}, {
      cause,
    });
  }
  return bytes;
}

function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/**
 * A fresh secret: 32 random bytes as 64 lowercase hex characters.
 *
 * @throws {JacoError} `rand_failed` when the random source fails
 * @example
 * ```ts
 * const token = newSecretHex(); // "9f86d081884c7d65…" (64 chars)
 * ```
 */
export function newSecretHex(random?: RandomSource): string {
  return toHex(randomBytes(32, random));
}

/**
 * The stored form of a secret: SHA-256 over the UTF-8 bytes of its hex text
 * (not of the decoded bytes), as 64 lowercase hex characters. Backups keep
 * only this, so restored clusters accept the original tokens.
 */
export async function hashSecret(secretHex: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secretHex));
  return toHex(new Uint8Array(digest));
}

/**
 * Compares two strings in time that depends only on their lengths, never on
 * where they first differ. Meant for fixed-length hashes, where the length
 * is public anyway.
 */
export function secretsEqual(a: string, b: string): boolean {
  const length = Math.max(a.length, b.length);
  let difference = a.length ^ b.length;
  for (let index = 0; index < length; index++) {
    // NaN (past the end of the shorter string) becomes 0 under `|`, so the loop never branches.
    difference |= (a.charCodeAt(index) | 0) ^ (b.charCodeAt(index) | 0);
  }
  return difference === 0;
}

const BEARER = /^bearer[ \t]+(.*)$/i;

/**
 * The token of an `authorization` header value (the first one when the
 * transport carries several). The scheme is matched case-insensitively
 * (RFC 7235); surrounding whitespace around the token is ignored.
 *
 * @throws {JacoError} `token_invalid` with message `missing authorization header` when there is
 *   none, or `authorization header must use Bearer scheme` when the scheme is not Bearer or the
 *   token is empty
 * @example
 * ```ts
 * parseBearer("Bearer 3f…e1"); // "3f…e1"
 * ```
 */
export function parseBearer(authorization: string | null | undefined): string {
  if (authorization === undefined || authorization === null) {
    throw new JacoError("token_invalid", "missing authorization header");
  }
  const token = BEARER.exec(authorization.trim())?.[1].trim();
  if (!token) {
    throw new JacoError("token_invalid", "authorization header must use Bearer scheme");
  }
  return token;
}
