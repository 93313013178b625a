import assert from "node:assert/strict";
import { isJacoError } from "../../proto/errors.ts";
import {
  type CallLeader,
  type LeaderForwardDeps,
  onLeader,
  onLeaderStream,
  type StreamLeader,
} from "./leader_forward.ts";

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

Deno.test("onLeader() re-asserts the admitted operator identity and deadline to the leader", async () => {
  const seen: unknown[] = [];
  const { deps: d } = deps("follower", "node-1");
  const call: CallLeader = <Response>(_a: string, _p: string, _r: unknown, options?: unknown) => {
    seen.push(options);
    return Promise.resolve({} as Response);
  };
  await onLeader({ ...d, call }, {
    path: "/jaco.v1.Cluster/NodeRemove",
    request: { hostname: "node-3" },
    origin: { fromMember: false, identity: "alice", deadlineMs: 600_000 },
  }, () => Promise.resolve({}));
  assert.deepEqual(seen, [{ identity: "alice", deadlineMs: 600_000 }]);
});

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

Deno.test("onLeaderStream() yields the local stream on the leader and the leader's from a follower", async () => {
  const streamed: unknown[] = [];
  const stream: StreamLeader = async function* <Message>(
    address: string,
    path: string,
    _request: unknown,
    options?: unknown,
  ) {
    streamed.push({ address, path, options });
    yield "remote-1" as Message;
    yield "remote-2" as Message;
  };
  async function* local() {
    yield "local";
  }
  const backup = {
    path: "/jaco.v1.Cluster/Backup",
    request: {},
    origin: { fromMember: false, identity: "local" },
  };
  const leader = deps("leader", "node-1").deps;
  assert.deepEqual(await collect(onLeaderStream({ ...leader, stream }, backup, local)), ["local"]);
  const follower = deps("follower", "node-1").deps;
  assert.deepEqual(await collect(onLeaderStream({ ...follower, stream }, backup, local)), [
    "remote-1",
    "remote-2",
  ]);
  assert.deepEqual(streamed, [{
    address: "127.0.0.1:7001",
    path: "/jaco.v1.Cluster/Backup",
    options: { identity: "local", deadlineMs: undefined },
  }]);
  await assert.rejects(
    collect(onLeaderStream({ ...follower, stream }, {
      ...backup,
      origin: { fromMember: true },
    }, local)),
    { code: "no_leader" },
  );
});
