import assert from "node:assert/strict";
import {
  Command,
  NodeRemoveRequest,
  NodeStatus,
  ServiceSpec,
  ServiceSpec_PlacementMode,
} from "../../proto/mod.ts";
import type { RaftStatus } from "../../raft/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import { nodeRemove, type NodeRemoveDeps, type RemoveRaft } from "./node_remove.ts";

const ts = new Date("2026-06-01T12:00:00Z");
type Payload = Command["payload"];

/** A 3-node cluster (node-1 leads) whose state applies every submitted payload at once. */
function cluster(
  options: {
    self?: string;
    voters?: string[];
    learners?: string[];
    lastContactMs?: Record<string, number>;
  } = {},
) {
  const state = new ClusterState();
  let index = 0;
  const submitted: Payload[] = [];
  const apply = (payload: Payload) => {
    state.apply(
      Command.encode({ clusterId: "c", raftIndex: 0, ts, identity: "alice", payload }).finish(),
      ++index,
    );
  };
  for (const hostname of ["node-1", "node-2", "node-3"]) {
    apply({
      $case: "nodeJoin",
      value: {
        hostname,
        address: `${hostname}:7001`,
        serverCertFingerprint: "",
        wireguardPubkey: new Uint8Array(),
        grpcAddress: `${hostname}:7000`,
      },
    });
    apply(status(hostname, NodeStatus.NODE_STATUS_READY));
  }
  const conf = {
    voters: options.voters ?? ["node-1", "node-2", "node-3"],
    learners: options.learners ?? [],
  };
  const changes: string[] = [];
  let role = "leader";
  let leader = options.self ?? "node-1";
  const raft: RemoveRaft = {
    status: () => ({
      id: options.self ?? "node-1",
      role,
      leader,
      conf,
      lastContactMs: options.lastContactMs ?? { "node-2": 0, "node-3": 0 },
    } as unknown as RaftStatus),
    remove: (id) => {
      changes.push(`remove ${id}`);
      conf.voters = conf.voters.filter((v) => v !== id);
      conf.learners = conf.learners.filter((v) => v !== id);
      return Promise.resolve();
    },
    addLearner: (id) => {
      changes.push(`learner ${id}`);
      conf.learners.push(id);
      return Promise.resolve();
    },
    promote: (id) => {
      changes.push(`promote ${id}`);
      return Promise.resolve();
    },
    transferLeadership: (to) => {
      changes.push(`transfer ${to}`);
      role = "follower";
      leader = to;
    },
  };
  let clock = 0;
  const onSleep: (() => void)[] = [];
  const deps: NodeRemoveDeps = {
    raft,
    view: () => state.view(),
    submit: (payload) => {
      submitted.push(payload);
      apply(payload);
      return Promise.resolve({ raftIndex: index });
    },
    kick: () => changes.push("kick"),
    now: () => clock,
    sleep: (ms) => {
      clock += ms;
      onSleep.shift()?.();
      return Promise.resolve();
    },
    replicaTimeoutMs: 2_000,
    pollMs: 500,
  };
  return { state, deps, changes, submitted, apply, onSleep };
}

function status(hostname: string, value: NodeStatus): Payload {
  return {
    $case: "nodeStatusUpdate",
    value: {
      hostname,
      status: value,
      details: {},
      cpuPressure: 0,
      memoryPressure: 0,
      includePressure: false,
    },
  };
}

function deploy(setup: ReturnType<typeof cluster>, services: Partial<ServiceSpec>[]) {
  setup.apply({
    $case: "deploymentApply",
    value: {
      deployment: "shop",
      revision: 1,
      jacoYaml: new Uint8Array(),
      composeYaml: new Uint8Array(),
      services: services.map((service) => ServiceSpec.fromPartial(service)),
      routes: [],
      tcpRoutes: [],
    } as never,
  });
}

function place(setup: ReturnType<typeof cluster>, id: string, service: string, host: string) {
  setup.apply({
    $case: "replicaDesiredUpsert",
    value: {
      replica: {
        id,
        deployment: "shop",
        service,
        index: 0,
        host,
        image: "busybox",
        raftIndex: 0,
        specHash: "",
      },
    },
  });
}

const never = new AbortController().signal;
const request = (hostname: string, force = false) =>
  NodeRemoveRequest.fromPartial({ hostname, force });

Deno.test("nodeRemove() refuses an empty hostname and an unknown host", async () => {
  const { deps } = cluster();
  await assert.rejects(nodeRemove(deps, request(" "), "alice", never), {
    code: "validation_failed",
  });
  await assert.rejects(nodeRemove(deps, request("node-9"), "alice", never), {
    code: "unknown_host",
    details: { hostname: "node-9" },
  });
});

Deno.test("nodeRemove() --force demotes to the shrunken target, removes the server and commits NodeRemove", async () => {
  const setup = cluster();
  const outcome = await nodeRemove(setup.deps, request("node-3", true), "alice", never);
  assert.deepEqual(outcome, {
    done: { hostname: "node-3", forced: true, replicasMoved: 0 },
  });
  // Two members remain → target 1 voter: node-2 (largest, not the leader) is demoted after.
  assert.deepEqual(setup.changes, [
    "remove node-3",
    "remove node-2",
    "learner node-2",
    "kick",
  ]);
  assert.equal(setup.state.view().node("node-3"), undefined);
  assert.equal(setup.state.view().auditEvents().at(-1)?.payload.hostname, "node-3");
});

Deno.test("nodeRemove() still commits the removal when a later demotion fails", async () => {
  const setup = cluster();
  setup.deps.raft.addLearner = () => Promise.reject(new Error("not applied in time"));
  const outcome = await nodeRemove(setup.deps, request("node-3", true), "alice", never);
  assert.equal("done" in outcome, true);
  assert.equal(setup.state.view().node("node-3"), undefined);
  assert.deepEqual(setup.changes, ["remove node-3", "remove node-2", "kick"]);
});

Deno.test("nodeRemove() refuses with drain_no_placement when a hosts-pinned replica has no other ready host", async () => {
  const setup = cluster();
  deploy(setup, [
    { name: "db", placement: ServiceSpec_PlacementMode.PLACEMENT_MODE_HOSTS, hosts: ["node-3"] },
    { name: "agent", placement: ServiceSpec_PlacementMode.PLACEMENT_MODE_GLOBAL },
  ]);
  place(setup, "shop-db-0", "db", "node-3");
  place(setup, "shop-agent-node-3", "agent", "node-3");
  await assert.rejects(nodeRemove(setup.deps, request("node-3"), "alice", never), {
    code: "drain_no_placement",
    message: "node hosts pinned replicas: [shop-db-0]",
  });
  assert.deepEqual(setup.changes, []);
  assert.ok(setup.state.view().node("node-3"));
});

Deno.test("nodeRemove() cordons the node, waits for the scheduler to move its replicas, then removes it", async () => {
  const setup = cluster();
  deploy(setup, [{ name: "web", placement: ServiceSpec_PlacementMode.PLACEMENT_MODE_SPREAD }]);
  place(setup, "shop-web-0", "web", "node-3");
  place(setup, "shop-web-1", "web", "node-2");
  setup.onSleep.push(() => {
    // The scheduler sees the cordon and moves the replica (make-before-break finished).
    assert.equal(setup.state.view().node("node-3")?.statusDetails.drain, "in_progress");
    assert.deepEqual(setup.changes, []);
    place(setup, "shop-web-0", "web", "node-1");
  });
  const outcome = await nodeRemove(setup.deps, request("node-3"), "alice", never);
  assert.deepEqual(outcome, { done: { hostname: "node-3", forced: false, replicasMoved: 1 } });
  assert.deepEqual(setup.changes, ["remove node-3", "remove node-2", "learner node-2", "kick"]);
  assert.equal(setup.state.view().node("node-3"), undefined);
});

Deno.test("nodeRemove() sets drain_timeout when no replica moves within the per-replica deadline", async () => {
  const setup = cluster();
  deploy(setup, [{ name: "web" }]);
  place(setup, "shop-web-0", "web", "node-3");
  await assert.rejects(nodeRemove(setup.deps, request("node-3"), "alice", never), {
    code: "drain_timeout",
    details: { hostname: "node-3", remaining: "shop-web-0" },
  });
  const node = setup.state.view().node("node-3");
  assert.equal(node?.status, NodeStatus.NODE_STATUS_DRAIN_TIMEOUT);
  assert.deepEqual(setup.changes, []);
});

Deno.test("nodeRemove() is drain_cancelled when the caller goes away, and lifts the cordon", async () => {
  const setup = cluster();
  deploy(setup, [{ name: "web" }]);
  place(setup, "shop-web-0", "web", "node-3");
  const caller = new AbortController();
  setup.onSleep.push(() => caller.abort());
  await assert.rejects(nodeRemove(setup.deps, request("node-3"), "alice", caller.signal), {
    code: "drain_cancelled",
  });
  const node = setup.state.view().node("node-3");
  assert.equal(node?.status, NodeStatus.NODE_STATUS_READY);
  assert.equal(node?.statusDetails.drain, undefined);
});

Deno.test("nodeRemove() of the leader itself hands leadership to the smallest other voter", async () => {
  const setup = cluster();
  const outcome = await nodeRemove(setup.deps, request("node-1"), "alice", never);
  assert.deepEqual(outcome, { handedOffTo: "node-2" });
  assert.deepEqual(setup.changes, ["transfer node-2"]);
  const lonely = cluster({ voters: ["node-1"], learners: ["node-3"] });
  assert.deepEqual(await nodeRemove(lonely.deps, request("node-1"), "alice", never), {
    handedOffTo: "node-3",
  });
  assert.deepEqual(lonely.changes, ["promote node-3", "transfer node-3"]);
});
