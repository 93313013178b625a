/**
 * Operator bearer-token admission for the TCP listener (auth-and-config.md §2): the presented
 * secret is hashed (SHA-256 of its hex text) and compared in constant time against every stored
 * token hash, so neither the match position nor an early exit leaks through timing.
 *
 * @module
 */
import { JacoError } from "../../proto/errors.ts";
import type { Token } from "../../proto/mod.ts";
import type { Authenticate } from "../api/mod.ts";
import { hashSecret, secretsEqual } from "../secrets.ts";

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Resolves a token secret to its identity using the replicated tokens `tokens()` returns.
 *
 * @throws {JacoError} `token_invalid` for an unknown secret, `token_revoked` for a revoked one
 * @example
 * ```ts
 * const authenticate = tokenAuthenticator(() => state.view().tokens());
 * ```
 */
export function tokenAuthenticator(tokens: () => readonly Token[]): Authenticate {
  return async (secret) => {
    const presented = await hashSecret(secret);
    let match: Token | undefined;
    for (const token of tokens()) {
      if (secretsEqual(hexOf(token.hashedSecret), presented) && !match) match = token;
    }
    if (!match) throw new JacoError("token_invalid", "unknown token");
    if (match.revokedAt) {
      throw new JacoError(
        "token_revoked",
        "token has been revoked",
        { identity: match.identity },
      );
    }
    return match.identity;
  };
}
