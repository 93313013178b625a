/**
 * `Cluster.IssueJoinToken` (cluster.md §3.1): mints a single-use join token (32 random bytes →
 * 64 hex), stores only `JoinToken{sha256(hex), expires_at = now + 24 h}` through the write path,
 * and returns the secret once with the cluster CA and the raft addresses to dial (leader first).
 *
 * Decision where the spec is silent: `ttl_seconds` (issue 4) shortens the lifetime; accepted
 * 1 s … 24 h, 0 = the default 24 h, anything else is `validation_failed` naming `ttl_seconds`
 * (the CLI names `--ttl` before it gets here). The response carries `expires_at` so the CLI can
 * print the real lifetime.
 *
 * @module
 */
import { type Command, IssueJoinTokenResponse, JoinTokenIssue } from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import type { StateView } from "../../state/mod.ts";
import { hashSecret, newSecretHex, type RandomSource } from "../secrets.ts";

/** Lifetime of a join token (cluster.md §3.1), and the longest one `ttl_seconds` may ask for. */
export const JOIN_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/** Longest `ttl_seconds` accepted (24 h). */
export const JOIN_TOKEN_MAX_TTL_SECONDS = JOIN_TOKEN_TTL_MS / 1000;

/**
 * The lifetime in ms for a requested `ttl_seconds` (0 = default 24 h).
 *
 * @throws {JacoError} `validation_failed` outside 1 … 86400 seconds
 */
export function joinTokenTtlMs(ttlSeconds: number): number {
  if (ttlSeconds === 0) return JOIN_TOKEN_TTL_MS;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > JOIN_TOKEN_MAX_TTL_SECONDS) {
    throw new JacoError(
      "validation_failed",
      `ttl_seconds ${ttlSeconds} is out of range: a join token lives 1s … 24h`,
      { field: "ttl_seconds", value: String(ttlSeconds) },
    );
  }
  return ttlSeconds * 1000;
}

/**
 * The write path as the join handlers use it (the shape of the node's `CommandSubmitter.submit`):
 * proposes `payload` under audit identity `identity`, resolving once applied.
 */
export type SubmitPayload = (
  payload: Command["payload"],
  identity: string,
) => Promise<{ raftIndex: number }>;

/** Inputs of {@link issueJoinToken}. */
export interface IssueJoinTokenDeps {
  /** Replicated state as of now. */
  view: StateView;
  /** The raft leader's hostname (the caller may be a follower); its address comes first in `leader_addrs`. */
  self: string;
  /** Writes one command through raft (identity = the caller). */
  submit: SubmitPayload;
  /** Who asks (audit identity). */
  identity: string;
  /** Clock. */
  now: Date;
  /** Random bytes (default the CSPRNG). */
  random?: RandomSource;
  /** Requested lifetime in seconds (0 or absent = 24 h). */
  ttlSeconds?: number;
}

/** Lower-case hex → bytes (the hash is stored raw). */
export function bytesOfHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  }
  return bytes;
}

/**
 * Raft addresses of the members, `first`'s first, then the others sorted by hostname, leaving
 * out `exclude`.
 */
export function memberAddresses(view: StateView, first: string, exclude?: string): string[] {
  const nodes = view.nodes().filter((node) => node.hostname !== exclude && node.address !== "");
  const head = nodes.filter((node) => node.hostname === first);
  const rest = nodes.filter((node) => node.hostname !== first)
    .sort((a, b) => a.hostname.localeCompare(b.hostname));
  return [...head, ...rest].map((node) => node.address);
}

/**
 * Mints, stores and returns a join token.
 *
 * @throws {JacoError} `validation_failed` for an out-of-range `ttlSeconds`, `ca_missing` when the cluster metadata is not applied yet, and whatever
 *   `submit` throws (`no_leader`, `raft_apply_failed`)
 */
export async function issueJoinToken(deps: IssueJoinTokenDeps): Promise<IssueJoinTokenResponse> {
  const meta = deps.view.clusterMeta();
  const ttlMs = joinTokenTtlMs(deps.ttlSeconds ?? 0);
  if (!meta) throw new JacoError("ca_missing", "cluster ca is missing from state");
  const token = newSecretHex(deps.random);
  const expiresAt = new Date(deps.now.getTime() + ttlMs);
  await deps.submit({
    $case: "joinTokenIssue",
    value: JoinTokenIssue.fromPartial({
      hashedSecret: bytesOfHex(await hashSecret(token)),
      expiresAt,
    }),
  }, deps.identity);
  return IssueJoinTokenResponse.fromPartial({
    token,
    caCert: meta.caCert,
    leaderAddrs: memberAddresses(deps.view, deps.self),
    expiresAt,
  });
}
