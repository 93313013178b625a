import assert from "node:assert/strict";
import { isJacoError } from "../../proto/errors.ts";
import { type CallLeader, type LeaderForwardDeps, onLeader } from "./leader_forward.ts";

interface Recorded {
  address: string;
  path: string;
  request: unknown;
}

function deps(
  role: string,
  leader: string,
  grpcAddress = "127.0.0.1:7001",
): { deps: LeaderForwardDeps; calls: Recorded[] } {
  const calls: Recorded[] = [];
  const call: CallLeader = <Response>(address: string, path: string, request: unknown) => {
    calls.push({ address, path, request });
    return Promise.resolve({ forwardedTo: address } as Response);
  };
  return {
    calls,
    deps: {
      raft: () => ({ status: () => ({ role, leader }) }),
      view: () => ({
        node: (hostname: string) =>
          hostname === "node-1" ? { hostname, grpcAddress } as never : undefined,
      }),
      call,
    },
  };
}

const target = {
  path: "/jaco.v1.Cluster/NodeJoin",
  request: { name: "node-4" },
  origin: { fromMember: false },
};

Deno.test("onLeader() runs the handler locally on the leader", async () => {
  const { deps: d, calls } = deps("leader", "node-1");
  const result = await onLeader(d, target, () => Promise.resolve("local"));
  assert.equal(result, "local");
  assert.equal(calls.length, 0);
});

Deno.test("onLeader() re-invokes the same method on the leader's gRPC address from a follower", async () => {
  const { deps: d, calls } = deps("follower", "node-1");
  let ranLocally = false;
  const result = await onLeader(d, target, () => {
    ranLocally = true;
    return Promise.resolve({});
  });
  assert.deepEqual(result, { forwardedTo: "127.0.0.1:7001" });
  assert.equal(ranLocally, false);
  assert.deepEqual(calls, [{
    address: "127.0.0.1:7001",
    path: "/jaco.v1.Cluster/NodeJoin",
    request: { name: "node-4" },
  }]);
});

Deno.test("onLeader() never forwards a call that already came from a member", async () => {
  const { deps: d, calls } = deps("follower", "node-1");
  await assert.rejects(
    onLeader(d, { ...target, origin: { fromMember: true } }, () => Promise.resolve({})),
    (error) =>
      isJacoError(error) && error.code === "no_leader" && error.details.reason === "not_leader",
  );
  assert.equal(calls.length, 0);
});

Deno.test("onLeader() is no_leader when the leader is unknown or has no gRPC address", async () => {
  const unknown = deps("follower", "");
  await assert.rejects(
    onLeader(unknown.deps, target, () => Promise.resolve({})),
    (error) => isJacoError(error) && error.code === "no_leader",
  );
  const unpublished = deps("follower", "node-1", "");
  await assert.rejects(
    onLeader(unpublished.deps, target, () => Promise.resolve({})),
    (error) =>
      isJacoError(error) && error.code === "no_leader" &&
      error.details.reason === "leader_address_unknown",
  );
  assert.equal(unknown.calls.length + unpublished.calls.length, 0);
});

Deno.test("onLeader() is raft_unavailable before the node is in a cluster", async () => {
  const d: LeaderForwardDeps = {
    raft: () => undefined,
    view: () => ({ node: () => undefined }),
    call: () => Promise.reject(new Error("not called")),
  };
  await assert.rejects(
    onLeader(d, target, () => Promise.resolve({})),
    (error) => isJacoError(error) && error.code === "raft_unavailable",
  );
});
