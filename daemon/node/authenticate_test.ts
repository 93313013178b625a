import assert from "node:assert/strict";
import { Token } from "../../proto/mod.ts";
import { isJacoError } from "../../proto/errors.ts";
import { hashSecret } from "../secrets.ts";
import { tokenAuthenticator } from "./authenticate.ts";

const bytes = (hex: string) => Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));

async function token(identity: string, secret: string, revoked = false): Promise<Token> {
  return Token.fromPartial({
    identity,
    hashedSecret: bytes(await hashSecret(secret)),
    revokedAt: revoked ? new Date() : undefined,
  });
}

Deno.test("tokenAuthenticator() maps a known secret to its identity", async () => {
  const tokens = [await token("ci", "aa".repeat(32)), await token("ops", "bb".repeat(32))];
  assert.equal(
    await tokenAuthenticator(() => ({ raftIndex: 1, tokens: () => tokens }))("bb".repeat(32)),
    "ops",
  );
});

Deno.test("tokenAuthenticator() refuses unknown secrets as token_invalid and revoked ones as token_revoked", async () => {
  const tokens = [await token("old", "cc".repeat(32), true)];
  const authenticate = tokenAuthenticator(() => ({ raftIndex: 1, tokens: () => tokens }));
  await assert.rejects(
    () => Promise.resolve(authenticate("dd".repeat(32))),
    (error) => isJacoError(error) && error.code === "token_invalid",
  );
  await assert.rejects(
    () => Promise.resolve(authenticate("cc".repeat(32))),
    (error) => isJacoError(error) && error.code === "token_revoked",
  );
});

Deno.test("tokenAuthenticator() uses the exact messages of auth-and-config.md §2", async () => {
  const tokens = [await token("old", "cc".repeat(32), true)];
  const authenticate = tokenAuthenticator(() => ({ raftIndex: 1, tokens: () => tokens }));
  await assert.rejects(() => Promise.resolve(authenticate("dd".repeat(32))), {
    code: "token_invalid",
    message: "unknown token",
  });
  await assert.rejects(() => Promise.resolve(authenticate("cc".repeat(32))), {
    code: "token_revoked",
    message: "token has been revoked",
    details: { identity: "old" },
  });
});

Deno.test("tokenAuthenticator() re-indexes when the raft index moves and not before", async () => {
  let tokens = [await token("ci", "aa".repeat(32))];
  let raftIndex = 5;
  let reads = 0;
  const authenticate = tokenAuthenticator(() => ({
    raftIndex,
    tokens: () => {
      reads++;
      return tokens;
    },
  }));
  assert.equal(await authenticate("aa".repeat(32)), "ci");
  assert.equal(await authenticate("aa".repeat(32)), "ci");
  assert.equal(reads, 1);
  tokens = [await token("ci", "aa".repeat(32), true), await token("ops", "bb".repeat(32))];
  raftIndex = 6;
  assert.equal(await authenticate("bb".repeat(32)), "ops");
  await assert.rejects(() => Promise.resolve(authenticate("aa".repeat(32))), {
    code: "token_revoked",
  });
  assert.equal(reads, 2);
});

Deno.test("tokenAuthenticator() finds one secret among 1,000 tokens", async () => {
  const tokens = await Promise.all(
    Array.from({ length: 1000 }, (_, n) => token(`t${n}`, n.toString(16).padStart(64, "0"))),
  );
  const authenticate = tokenAuthenticator(() => ({ raftIndex: 1, tokens: () => tokens }));
  assert.equal(await authenticate((999).toString(16).padStart(64, "0")), "t999");
  assert.equal(await authenticate((0).toString(16).padStart(64, "0")), "t0");
  await assert.rejects(() => Promise.resolve(authenticate("ff".repeat(32))), {
    code: "token_invalid",
  });
});
