/**
 * `Tokens.Issue`, `Tokens.Revoke` and `Tokens.List` (rpc.md §1.3, auth-and-config.md §2): operator
 * tokens are 64-hex secrets shown once, stored as SHA-256 of their text, one identity each.
 * Writes go through the {@link CommandSubmitter} (leader or forwarded), reads come from local
 * state. Revocation needs nothing more: every node's authenticator reads `revoked_at` from its own
 * applied state.
 *
 * Decisions where the spec is silent or the reference differs:
 * - Issuing to an identity whose token is still active is `validation_failed` ("already has an
 *   active token"; details.reason = `identity_active`); a revoked identity may be issued again
 *   (the new token replaces the revoked one).
 * - Identities are 1–128 printable characters without whitespace, and the daemon's own caller
 *   names (`local`, `anonymous`, `system`, `node:*`) are refused so the audit log never confuses
 *   a token holder with the socket, an unauthenticated caller, the FSM or a peer.
 * - Revoking an unknown identity is `validation_failed` (details.reason = `unknown_identity`;
 *   the closed code set has no token-not-found code). Revoking an already revoked token
 *   succeeds without a new write: `revoked_at` keeps the first revocation time.
 * - The check-then-write of Issue reads the contacted node's state; two concurrent issues of
 *   one identity can both pass it, and the later commit wins. Operators issue tokens by hand, so
 *   this race is accepted rather than adding an FSM-side rejection that older logs lack.
 * - `List` is sorted by identity and carries `allows_privileged`, never hashes.
 *
 * @module
 */
import {
  IssueTokenResponse,
  ListTokensResponse,
  RevokeTokenResponse,
  type Token,
  TokenInfo,
} from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import type { StateView } from "../../state/mod.ts";
import { hashSecret, newSecretHex, type RandomSource } from "../secrets.ts";
import type { CommandSubmitter } from "./submit.ts";

/** What the token handlers need. */
export interface TokenDeps {
  /** The write path. */
  submitter: CommandSubmitter;
  /** This node's applied state. */
  view: () => Pick<StateView, "token" | "tokens">;
  /** Clock for `issued_at` when the issue has not applied locally yet (forwarded). */
  now: () => Date;
  /** Random bytes for the secret (default the CSPRNG). */
  random?: RandomSource;
}

const maxIdentityLength = 128;
const reservedIdentities = new Set(["local", "anonymous", "system"]);

/**
 * Checks an identity a token may carry (see module doc).
 *
 * @throws {JacoError} `validation_failed` naming the problem
 */
export function validateIdentity(identity: string): void {
  if (identity === "") throw new JacoError("validation_failed", "identity is required");
  const invalid = (why: string) =>
    new JacoError("validation_failed", `identity "${identity}" ${why}`, {
      field: "identity",
      value: identity,
    });
  if (identity.length > maxIdentityLength) {
    throw invalid(`is longer than ${maxIdentityLength} characters`);
  }
  // Printable ASCII and non-ASCII letters, but no whitespace or control characters.
  if (/[\s\p{Cc}]/u.test(identity)) {
    throw invalid("must not contain whitespace or control characters");
  }
  if (reservedIdentities.has(identity) || identity.startsWith("node:")) {
    throw invalid("is reserved for the daemon's own callers");
  }
}

/**
 * `Tokens.Issue`: a new secret for `identity`, stored hashed; the plaintext is returned once.
 *
 * @throws {JacoError} `validation_failed` for a bad or active identity; the submitter's errors
 */
export async function issueToken(
  request: { identity: string; allowsPrivileged: boolean },
  caller: string,
  deps: TokenDeps,
): Promise<IssueTokenResponse> {
  const { identity } = request;
  validateIdentity(identity);
  const existing = deps.view().token(identity);
  if (existing && !existing.revokedAt) {
    throw new JacoError(
      "validation_failed",
      `identity "${identity}" already has an active token; revoke it first`,
      { field: "identity", value: identity, reason: "identity_active" },
    );
  }
  const token = newSecretHex(deps.random);
  const hashedSecret = bytesOfHex(await hashSecret(token));
  await deps.submitter.submit({
    $case: "tokenIssue",
    value: { identity, hashedSecret, allowsPrivileged: request.allowsPrivileged },
  }, caller);
  const applied = deps.view().token(identity);
  const issuedAt = applied && sameBytes(applied.hashedSecret, hashedSecret)
    ? applied.issuedAt
    : deps.now();
  return IssueTokenResponse.fromPartial({ identity, token, issuedAt });
}

/**
 * `Tokens.Revoke`: sets `revoked_at` on the identity's token.
 *
 * @throws {JacoError} `validation_failed` for an empty or unknown identity; the submitter's errors
 */
export async function revokeToken(
  request: { identity: string },
  caller: string,
  deps: TokenDeps,
): Promise<RevokeTokenResponse> {
  const { identity } = request;
  if (identity === "") throw new JacoError("validation_failed", "identity is required");
  const existing = deps.view().token(identity);
  if (!existing) {
    throw new JacoError("validation_failed", `no token for identity "${identity}"`, {
      field: "identity",
      value: identity,
      reason: "unknown_identity",
    });
  }
  if (!existing.revokedAt) {
    await deps.submitter.submit({ $case: "tokenRevoke", value: { identity } }, caller);
  }
  return RevokeTokenResponse.fromPartial({});
}

/** `Tokens.List`: every token, sorted by identity, without hashes. */
export function listTokens(deps: Pick<TokenDeps, "view">): ListTokensResponse {
  const tokens = deps.view().tokens()
    .sort((a, b) => a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0)
    .map((token: Token) =>
      TokenInfo.fromPartial({
        identity: token.identity,
        issuedAt: token.issuedAt,
        revokedAt: token.revokedAt,
        allowsPrivileged: token.allowsPrivileged,
      })
    );
  return ListTokensResponse.fromPartial({ tokens });
}

function bytesOfHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
