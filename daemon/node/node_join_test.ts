import assert from "node:assert/strict";
import { Command, NodeJoinRequest, NodeStatus } from "../../proto/mod.ts";
import { isJacoError } from "../../proto/errors.ts";
import { ClusterState } from "../../state/mod.ts";
import { createNodeKeyAndCsr, verifyIssuedBy } from "../pki.ts";
import { hashSecret } from "../secrets.ts";
import { clusterInitCommand, createBootstrapMaterial } from "./init.ts";
import { issueJoinToken, JOIN_TOKEN_TTL_MS, type SubmitPayload } from "./join_token.ts";
import { nodeJoin, type NodeJoinDeps } from "./node_join.ts";

const t0 = new Date("2026-06-01T12:00:00Z");

async function leaderState() {
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
  const identities: string[] = [];
  const submit: SubmitPayload = (payload, identity) => {
    identities.push(identity);
    index++;
    state.apply(
      Command.encode({ clusterId: material.clusterId, raftIndex: 0, ts: t0, identity, payload })
        .finish(),
      index,
    );
    return Promise.resolve({ raftIndex: index });
  };
  return { state, material, submit, identities };
}

async function request(name: string, token: string): Promise<NodeJoinRequest> {
  const { csrPem } = await createNodeKeyAndCsr({ hostname: name, ips: ["10.0.0.2"] });
  return NodeJoinRequest.fromPartial({
    name,
    joinToken: token,
    csrPem: new TextEncoder().encode(csrPem),
    advertiseAddr: "10.0.0.2:7001",
    grpcAddress: "10.0.0.2:7000",
  });
}

function deps(
  setup: Awaited<ReturnType<typeof leaderState>>,
  overrides: Partial<NodeJoinDeps> = {},
): NodeJoinDeps & { learners: string[] } {
  const learners: string[] = [];
  return {
    raft: {
      isLeader: () => true,
      addLearner: (id, address) => {
        learners.push(`${id}@${address}`);
        return Promise.resolve();
      },
    },
    view: () => setup.state.view(),
    self: "node-1",
    submit: setup.submit,
    now: () => t0,
    learners,
    ...overrides,
  };
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (isJacoError(error)) return error.code;
    throw error;
  }
  return "ok";
}

Deno.test("issueJoinToken() stores only the hash with a 24 h expiry and returns CA and leader address", async () => {
  const setup = await leaderState();
  const response = await issueJoinToken({
    view: setup.state.view(),
    self: "node-1",
    submit: setup.submit,
    identity: "local",
    now: t0,
  });
  assert.match(response.token, /^[0-9a-f]{64}$/);
  assert.deepEqual(response.leaderAddrs, ["10.0.0.1:7001"]);
  assert.equal(new TextDecoder().decode(response.caCert), setup.material.ca.certPem);
  const [stored] = setup.state.view().joinTokens();
  assert.equal(stored.expiresAt?.getTime(), t0.getTime() + JOIN_TOKEN_TTL_MS);
  const storedHex = Array.from(stored.hashedSecret, (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
  assert.equal(storedHex, await hashSecret(response.token));
  assert.deepEqual(setup.identities, ["local"]);
});

Deno.test("nodeJoin() signs the CSR, adds a learner and writes one batch with the node JOINING (its firewall loop makes it ready)", async () => {
  const setup = await leaderState();
  const { token } = await issueJoinToken({
    view: setup.state.view(),
    self: "node-1",
    submit: setup.submit,
    identity: "local",
    now: t0,
  });
  const d = deps(setup);
  const response = await nodeJoin(d, await request("node-2", token));
  assert.deepEqual(d.learners, ["node-2@10.0.0.2:7001"]);
  assert.deepEqual(response.peerAddrs, ["10.0.0.1:7001"]);
  assert.equal(response.clusterId, setup.material.clusterId);
  const decoder = new TextDecoder();
  assert.ok(
    await verifyIssuedBy(decoder.decode(response.signedCert), setup.material.ca.certPem),
  );
  const joined = setup.state.view().node("node-2");
  assert.equal(joined?.status, NodeStatus.NODE_STATUS_JOINING);
  assert.equal(joined?.grpcAddress, "10.0.0.2:7000");
  assert.ok(setup.state.view().joinTokens()[0].consumedAt);
  assert.match(setup.identities[1], /^join_token:[0-9a-f]{8}$/);
  assert.equal(await codeOf(nodeJoin(d, await request("node-3", token))), "join_token_consumed");
});

Deno.test("nodeJoin() refuses in the order of cluster.md §3.3", async () => {
  const setup = await leaderState();
  const issue = (now = t0) =>
    issueJoinToken({
      view: setup.state.view(),
      self: "node-1",
      submit: setup.submit,
      identity: "local",
      now,
    });
  const { token } = await issue();
  const good = await request("node-2", token);
  assert.equal(await codeOf(nodeJoin(deps(setup, { raft: undefined }), good)), "raft_unavailable");
  assert.equal(
    await codeOf(
      nodeJoin(
        deps(setup, {
          raft: {
            isLeader: () => false,
            addLearner: () => Promise.resolve(),
          },
        }),
        good,
      ),
    ),
    "no_leader",
  );
  assert.equal(
    await codeOf(
      nodeJoin(deps(setup), NodeJoinRequest.fromPartial({ ...good, advertiseAddr: "" })),
    ),
    "validation_failed",
  );
  assert.equal(
    await codeOf(nodeJoin(deps(setup), await request("node-2", "cd".repeat(32)))),
    "join_token_invalid",
  );
  const expired = await issue(new Date(t0.getTime() - JOIN_TOKEN_TTL_MS - 1));
  assert.equal(
    await codeOf(nodeJoin(deps(setup), await request("node-2", expired.token))),
    "join_token_expired",
  );
  const wrongName = NodeJoinRequest.fromPartial({ ...good, name: "node-9" });
  assert.equal(await codeOf(nodeJoin(deps(setup), wrongName)), "csr_invalid");
  const d = deps(setup);
  assert.equal(await codeOf(nodeJoin(d, await request("node-1", token))), "node_already_member");
  assert.deepEqual(d.learners, [], "no learner is added for a refused join");
  assert.equal(
    setup.state.view().joinToken(setup.state.view().joinTokens()[0].hashedSecret)?.consumedAt,
    undefined,
  );
});

Deno.test("nodeJoin() maps a learner change that never commits to raft_add_voter_failed", async () => {
  const setup = await leaderState();
  const { token } = await issueJoinToken({
    view: setup.state.view(),
    self: "node-1",
    submit: setup.submit,
    identity: "local",
    now: t0,
  });
  const stuck = deps(setup, {
    raft: { isLeader: () => true, addLearner: () => new Promise(() => {}) },
    addLearnerTimeoutMs: 20,
  });
  assert.equal(
    await codeOf(nodeJoin(stuck, await request("node-2", token))),
    "raft_add_voter_failed",
  );
  assert.equal(setup.state.view().node("node-2"), undefined);
});
