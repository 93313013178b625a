import assert from "node:assert/strict";
import { Command, NodeJoinRequest } from "../../proto/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import { createNodeKeyAndCsr } from "../pki.ts";
import { clusterInitCommand, createBootstrapMaterial } from "./init.ts";
import {
  issueJoinToken,
  JOIN_TOKEN_TTL_MS,
  joinTokenTtlMs,
  type SubmitPayload,
} from "./join_token.ts";
import { nodeJoin } from "./node_join.ts";

const t0 = new Date("2026-06-01T12:00:00Z");

async function cluster() {
  const state = new ClusterState();
  const material = await createBootstrapMaterial({ hostname: "node-1", ips: [], now: t0 });
  let index = 1;
  state.apply(
    Command.encode(clusterInitCommand(material, {
      hostname: "node-1",
      raftAddress: "10.0.0.1:7001",
      now: t0,
    })).finish(),
    index,
  );
  const submit: SubmitPayload = (payload, identity) => {
    index++;
    state.apply(
      Command.encode({ clusterId: material.clusterId, raftIndex: 0, ts: t0, identity, payload })
        .finish(),
      index,
    );
    return Promise.resolve({ raftIndex: index });
  };
  return { state, submit };
}

Deno.test("joinTokenTtlMs() maps 0 to 24 h, accepts 1 s … 24 h and refuses the rest naming ttl_seconds", () => {
  assert.equal(joinTokenTtlMs(0), JOIN_TOKEN_TTL_MS);
  assert.equal(joinTokenTtlMs(1), 1000);
  assert.equal(joinTokenTtlMs(86_400), JOIN_TOKEN_TTL_MS);
  for (const bad of [86_401, -1, 1.5]) {
    assert.throws(() => joinTokenTtlMs(bad), {
      code: "validation_failed",
      details: { field: "ttl_seconds", value: String(bad) },
    });
  }
});

Deno.test("issueJoinToken() with ttlSeconds stores and returns the shorter expiry; the token then expires", async () => {
  const { state, submit } = await cluster();
  const response = await issueJoinToken({
    view: state.view(),
    self: "node-1",
    submit,
    identity: "local",
    now: t0,
    ttlSeconds: 1,
  });
  assert.equal(response.expiresAt?.getTime(), t0.getTime() + 1000);
  assert.equal(state.view().joinTokens()[0].expiresAt?.getTime(), t0.getTime() + 1000);
  const { csrPem } = await createNodeKeyAndCsr({ hostname: "node-2", ips: ["10.0.0.2"] });
  const join = () =>
    nodeJoin(
      {
        raft: { isLeader: () => true, addLearner: () => Promise.resolve() },
        view: () => state.view(),
        self: "node-1",
        submit,
        now: () => new Date(t0.getTime() + 2000),
      },
      NodeJoinRequest.fromPartial({
        name: "node-2",
        joinToken: response.token,
        csrPem: new TextEncoder().encode(csrPem),
        advertiseAddr: "10.0.0.2:7001",
      }),
    );
  await assert.rejects(join, { code: "join_token_expired" });
});

Deno.test("issueJoinToken() refuses an out-of-range ttl before writing anything", async () => {
  const { state, submit } = await cluster();
  await assert.rejects(
    () =>
      issueJoinToken({
        view: state.view(),
        self: "node-1",
        submit,
        identity: "local",
        now: t0,
        ttlSeconds: 90_000,
      }),
    { code: "validation_failed" },
  );
  assert.deepEqual(state.view().joinTokens(), []);
});
