/**
 * The agent starts a `restart_exhausted` replica again as soon as a new revision clears the
 * exhaustion (an identical re-apply changes no desired record), not on the 30 s tick. In-memory
 * engine; the tick keeps its real 30 s timer, so only the observation event can start it in time.
 */
import assert from "node:assert/strict";
import { Command, type DeepPartial, ReplicaState } from "../../proto/mod.ts";
import type { ContainerEngine, ContainerSpec } from "../../runtime/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import { RuntimeAgent } from "./runtime_agent.ts";

function fakeEngine() {
  const containers = new Map<string, ContainerSpec & { running: boolean; starts: number }>();
  const engine: ContainerEngine = {
    ping: () => Promise.resolve(),
    hasImage: () => Promise.resolve(true),
    pullImage: () => Promise.resolve(),
    ensureNetwork: () => Promise.resolve(),
    ensureVolume: () => Promise.resolve(),
    createContainer: (spec) => {
      const id = `c${containers.size + 1}`;
      containers.set(id, { ...spec, running: false, starts: 0 });
      return Promise.resolve(id);
    },
    startContainer: (id) => {
      const container = containers.get(id)!;
      container.running = true;
      container.starts++;
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
      const c = containers.get(id);
      return Promise.resolve(
        c && {
          Id: id,
          Name: c.name,
          State: { Status: c.running ? "running" : "exited", Running: c.running, ExitCode: 3 },
          Labels: c.Labels,
          networkIps: {},
        },
      );
    },
    listContainers: (labels) =>
      Promise.resolve(
        [...containers]
          .filter(([, c]) => Object.entries(labels).every(([k, v]) => c.Labels[k] === v))
          .map(([id, c]) => ({
            Id: id,
            Names: [c.name],
            State: c.running ? "running" : "exited",
            Labels: c.Labels,
          })),
      ),
    logs: () => Promise.reject(new Error("no logs")),
  };
  return { engine, containers };
}

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("RuntimeAgent starts a restart_exhausted replica again when a new revision clears it", async () => {
  const state = new ClusterState();
  let index = 0;
  const apply = (payload: DeepPartial<Command>["payload"]) =>
    state.applyCommand(Command.fromPartial({ identity: "t", ts: new Date(0), payload }), ++index);
  const revision = (n: number) =>
    apply({
      $case: "deploymentApply",
      value: {
        deployment: "crashy",
        revision: n,
        composeYaml: new TextEncoder().encode(
          "services:\n  crash: {image: jaco-test/busybox:1, pull_policy: never}\n",
        ),
        services: [{ name: "crash", replicas: 1, networks: [] }],
      },
    });
  apply({ $case: "clusterInit", value: { clusterId: "c1" } });
  revision(1);
  const { engine, containers } = fakeEngine();
  const agent = new RuntimeAgent({
    nodeName: "n1",
    state,
    engine,
    submit: (payload) => {
      apply(payload);
      return Promise.resolve({ raftIndex: index });
    },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    pendingPollMs: 5,
    runningPollMs: 5,
  });
  agent.start();
  try {
    apply({
      $case: "replicaDesiredUpsert",
      value: {
        replica: {
          id: "crashy-crash-0",
          deployment: "crashy",
          service: "crash",
          index: 0,
          host: "n1",
          image: "jaco-test/busybox:1",
        },
      },
    });
    await until("first start", () => [...containers.values()].some((c) => c.running));
    const [[id, container]] = [...containers];
    // The container exits; the restarter (leader) gives up on it.
    container.running = false;
    await until(
      "failed observation",
      () =>
        state.view().replicaObserved("crashy-crash-0")?.state ===
          ReplicaState.REPLICA_STATE_FAILED,
    );
    apply({
      $case: "replicaObservedUpdate",
      value: {
        replica: {
          id: "crashy-crash-0",
          state: ReplicaState.REPLICA_STATE_FAILED,
          code: "restart_exhausted",
          host: "n1",
          containerId: id,
        },
      },
    });
    assert.equal(container.starts, 1);
    revision(2); // identical re-apply: same desired record, exhaustion cleared
    await until("start after re-apply", () => container.running);
    assert.equal(container.starts, 2);
  } finally {
    await agent.stop();
  }
});
