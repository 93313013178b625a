/**
 * Operator bearer-token admission for the TCP listener (auth-and-config.md §2): the presented
 * secret is hashed (SHA-256 of its hex text) and looked up in an index keyed by hex(hashed
 * secret), then the found hash is compared with the presented one in constant time.
 *
 * Decisions where the spec is silent:
 * - The index is rebuilt at most once per applied raft index (the view's `raftIndex`), so a call
 *   costs one hash plus one map lookup instead of copying and hex-encoding every stored token.
 *   Token changes always go through raft and advance the index; a raft snapshot install only
 *   moves it forward, so a stale index can never be served.
 * - The map lookup is keyed by the SHA-256 of the secret, so its timing says nothing about the
 *   secret itself; the final equality check stays constant-time anyway.
 *
 * @module
 */
import { JacoError } from "../../proto/errors.ts";
import type { Token } from "../../proto/mod.ts";
import type { Authenticate } from "../api/mod.ts";
import { hashSecret, secretsEqual } from "../secrets.ts";

/** What the authenticator reads: the stored tokens at one applied raft index (a StateView). */
export type TokenSource = () => { readonly raftIndex: number; tokens(): readonly Token[] };

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Resolves a token secret to its identity using the replicated tokens of the current view.
 *
 * @throws {JacoError} `token_invalid` for an unknown secret, `token_revoked` for a revoked one
 * @example
 * ```ts
 * const authenticate = tokenAuthenticator(() => state.view());
 * ```
 */
export function tokenAuthenticator(source: TokenSource): Authenticate {
  let indexedAt = -1;
  let byHash = new Map<string, Token>();
  const lookup = (presented: string): Token | undefined => {
    const view = source();
    if (view.raftIndex !== indexedAt) {
      byHash = new Map(view.tokens().map((token) => [hexOf(token.hashedSecret), token]));
      indexedAt = view.raftIndex;
    }
    return byHash.get(presented);
  };
  return async (secret) => {
    const presented = await hashSecret(secret);
    const match = lookup(presented);
    if (!match || !secretsEqual(hexOf(match.hashedSecret), presented)) {
      throw new JacoError("token_invalid", "unknown token");
    }
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
