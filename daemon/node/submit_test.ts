import assert from "node:assert/strict";
import { type ClusterMeta, Command, type Node } from "../../proto/mod.ts";
import { isJacoError } from "../../proto/errors.ts";
import type { RaftStatus } from "../../raft/mod.ts";
import {
  createSubmitter,
  leaderGrpcAddress,
  submitOnLeader,
  type SubmitterDeps,
} from "./submit.ts";

const clusterId = "c0ffee00-0000-4000-8000-000000000001";
const revoke: Command["payload"] = { $case: "tokenRevoke", value: { identity: "alice" } };

function fakeRaft(role: RaftStatus["role"], leader: string) {
  const proposed: Uint8Array[] = [];
  return {
    proposed,
    status: () => ({ role, leader }) as RaftStatus,
    propose: (data: Uint8Array) => {
      proposed.push(data);
      return Promise.resolve({ index: 42, term: 1, result: undefined });
    },
  };
}

function deps(
  raft: ReturnType<typeof fakeRaft> | undefined,
  nodes: Partial<Node>[] = [],
): SubmitterDeps & { forwarded: [string, Uint8Array][] } {
  const forwarded: [string, Uint8Array][] = [];
  return {
    forwarded,
    raft: () => raft,
    view: () => ({
      clusterMeta: () => ({ clusterId }) as ClusterMeta,
      node: (hostname: string) => nodes.find((node) => node.hostname === hostname) as Node,
    }),
    now: () => new Date("2026-01-02T03:04:05Z"),
    forward: (address, bytes) => {
      forwarded.push([address, bytes]);
      return Promise.resolve(7);
    },
  };
}

Deno.test("createSubmitter() on the leader proposes an envelope stamped with cluster id, ts and identity", async () => {
  const raft = fakeRaft("leader", "n1");
  const { raftIndex } = await createSubmitter(deps(raft)).submit(revoke, "local");
  assert.equal(raftIndex, 42);
  const command = Command.decode(raft.proposed[0]);
  assert.equal(command.clusterId, clusterId);
  assert.equal(command.identity, "local");
  assert.equal(command.ts?.toISOString(), "2026-01-02T03:04:05.000Z");
  assert.deepEqual(command.payload, revoke);
});

Deno.test("createSubmitter() on a follower forwards the same bytes to the leader's gRPC address", async () => {
  const raft = fakeRaft("follower", "n2");
  const d = deps(raft, [{ hostname: "n2", grpcAddress: "10.0.0.2:7000" }]);
  const { raftIndex } = await createSubmitter(d).submit(revoke, "alice");
  assert.equal(raftIndex, 7);
  assert.equal(raft.proposed.length, 0);
  assert.equal(d.forwarded[0][0], "10.0.0.2:7000");
  assert.equal(Command.decode(d.forwarded[0][1]).identity, "alice");
});

Deno.test("createSubmitter() without a leader or before init fails with a typed error", async () => {
  await assert.rejects(
    createSubmitter(deps(fakeRaft("candidate", ""))).submit(revoke, "local"),
    (error) => isJacoError(error) && error.code === "no_leader",
  );
  await assert.rejects(
    createSubmitter(deps(undefined)).submit(revoke, "local"),
    (error) => isJacoError(error) && error.code === "cluster_uninitialized",
  );
});

Deno.test("leaderGrpcAddress() is no_leader when the leader has not published its address", () => {
  assert.throws(
    () => leaderGrpcAddress("n2", { node: () => ({ grpcAddress: "" }) as Node }),
    (error) =>
      isJacoError(error) && error.code === "no_leader" &&
      error.details.reason === "leader_address_unknown",
  );
});

Deno.test("submitOnLeader() proposes matching commands and refuses others", async () => {
  const raft = fakeRaft("leader", "n1");
  const bytes = Command.encode(
    Command.fromPartial({ clusterId, identity: "alice", payload: revoke }),
  ).finish();
  assert.equal(await submitOnLeader(bytes, deps(raft)), 42);
  assert.deepEqual(raft.proposed[0], bytes);
  const foreign = Command.encode(Command.fromPartial({ clusterId: "other", payload: revoke }))
    .finish();
  await assert.rejects(
    submitOnLeader(foreign, deps(raft)),
    (error) => isJacoError(error) && error.code === "validation_failed",
  );
  await assert.rejects(
    submitOnLeader(new Uint8Array(), deps(raft)),
    (error) => isJacoError(error) && error.code === "validation_failed",
  );
  await assert.rejects(
    submitOnLeader(bytes, deps(fakeRaft("follower", "n2"))),
    (error) => isJacoError(error) && error.code === "no_leader",
  );
});
