/**
 * The agent's pull path with an in-memory engine: the observations a failing-then-succeeding
 * pull writes (transitions only) and the WARN log per failed attempt.
 */
import assert from "node:assert/strict";
import { Command, type DeepPartial, ReplicaState } from "../../proto/mod.ts";
import type { ReplicaObserved } from "../../proto/mod.ts";
import { abortableSleep, type ContainerEngine, type ContainerSpec } from "../../runtime/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import { RuntimeAgent } from "./runtime_agent.ts";

function fakeEngine(pullFailures: number) {
  const containers = new Map<string, ContainerSpec & { running: boolean }>();
  const pulls: string[] = [];
  const engine: ContainerEngine = {
    ping: () => Promise.resolve(),
    hasImage: () => Promise.resolve(false),
    pullImage: (image, auth) => {
      pulls.push(`${image}:${auth?.username ?? "anonymous"}`);
      return pulls.length <= pullFailures
        ? Promise.reject(new Error("connection refused"))
        : Promise.resolve();
    },
    ensureNetwork: () => Promise.resolve(),
    ensureVolume: () => Promise.resolve(),
    createContainer: (spec) => {
      const id = `c${containers.size + 1}`;
      containers.set(id, { ...spec, running: false });
      return Promise.resolve(id);
    },
    startContainer: (id) => {
      containers.get(id)!.running = true;
      return Promise.resolve();
    },
    stopContainer: (id) => {
      const container = containers.get(id);
      if (container) container.running = false;
      return Promise.resolve();
    },
    removeContainer: (id) => {
      containers.delete(id);
      return Promise.resolve();
    },
    inspectContainer: (id) => {
      const container = containers.get(id);
      return Promise.resolve(
        container && {
          Id: id,
          Name: container.name,
          State: {
            Status: container.running ? "running" : "created",
            Running: container.running,
            ExitCode: 0,
          },
          Labels: container.Labels,
          networkIps: {},
        },
      );
    },
    listContainers: (labels) =>
      Promise.resolve(
        [...containers].filter(([, c]) =>
          Object.entries(labels).every(([k, v]) => c.Labels[k] === v)
        )
          .map(([id, c]) => ({
            Id: id,
            Names: [c.name],
            State: c.running ? "running" : "created",
            Labels: c.Labels,
          })),
      ),
    logs: () => Promise.reject(new Error("no logs")),
  };
  return { engine, pulls, containers };
}

Deno.test("RuntimeAgent writes pending, pulling, image_pull_failed once, then the container's states", async () => {
  const state = new ClusterState();
  let index = 0;
  const apply = (payload: DeepPartial<Command>["payload"]) =>
    state.applyCommand(Command.fromPartial({ identity: "t", ts: new Date(0), payload }), ++index);
  apply({ $case: "clusterInit", value: { clusterId: "c1" } });
  apply({
    $case: "deploymentApply",
    value: {
      deployment: "shop",
      revision: 1,
      composeYaml: new TextEncoder().encode("services:\n  web: {image: ghcr.io/acme/web:1}\n"),
      services: [{ name: "web", replicas: 1, networks: [] }],
    },
  });
  apply({
    $case: "registryCredentialUpsert",
    value: {
      credential: { registry: "ghcr.io/acme", username: "bot", secret: new Uint8Array([1]) },
    },
  });
  const written: ReplicaObserved[] = [];
  const warnings: string[] = [];
  const { engine, pulls } = fakeEngine(2);
  const agent = new RuntimeAgent({
    nodeName: "n1",
    state,
    engine,
    submit: (payload) => {
      if (payload?.$case === "replicaObservedUpdate") written.push(payload.value.replica!);
      apply(payload);
      return Promise.resolve({ raftIndex: index });
    },
    log: {
      debug: () => {},
      info: () => {},
      warn: (message) => void warnings.push(message),
      error: (message, attributes) => {
        throw new Error(`${message} ${JSON.stringify(attributes)}`);
      },
    },
    // Pull backoff waits (1 s, 2 s) are instant; the 30 s tick keeps its real (abortable) timer.
    sleep: (ms, signal) => ms < 10_000 ? Promise.resolve() : abortableSleep(ms, signal),
    pendingPollMs: 5,
    runningPollMs: 50,
  });
  agent.start();
  try {
    apply({
      $case: "replicaDesiredUpsert",
      value: {
        replica: {
          id: "shop-web-0",
          deployment: "shop",
          service: "web",
          index: 0,
          host: "n1",
          image: "ghcr.io/acme/web:1",
        },
      },
    });
    const deadline = Date.now() + 10_000;
    while (
      state.view().replicaObserved("shop-web-0")?.state !== ReplicaState.REPLICA_STATE_RUNNING
    ) {
      if (Date.now() > deadline) throw new Error("replica never running");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(pulls, Array(3).fill("ghcr.io/acme/web:1:bot"));
    assert.deepEqual(warnings, ["image pull failed; will retry", "image pull failed; will retry"]);
    assert.deepEqual(written.map((o) => [o.state, o.code, o.containerId]), [
      [ReplicaState.REPLICA_STATE_PENDING, "", ""],
      [ReplicaState.REPLICA_STATE_PULLING, "pulling", ""],
      [ReplicaState.REPLICA_STATE_PENDING, "image_pull_failed", ""],
      [ReplicaState.REPLICA_STATE_PENDING, "", "c1"],
      [ReplicaState.REPLICA_STATE_RUNNING, "", "c1"],
    ]);
    assert.equal(written[2].details.reason, "ghcr.io/acme/web:1: connection refused");
  } finally {
    await agent.stop();
  }
});
