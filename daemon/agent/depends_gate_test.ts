import assert from "node:assert/strict";
import { Command, type DeepPartial, ReplicaState } from "../../proto/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import { unmetDependency, wakesDependents } from "./depends_gate.ts";
import { dockerSocketPath } from "./mod.ts";

function stateWith(observed: Record<string, number>): ClusterState {
  const state = new ClusterState();
  let index = 0;
  const apply = (payload: DeepPartial<Command>["payload"]) =>
    state.applyCommand(Command.fromPartial({ identity: "t", ts: new Date(0), payload }), ++index);
  for (
    const [id, observedState] of Object.entries({ "shop-db-0": -1, "shop-db-1": -1, ...observed })
  ) {
    apply({
      $case: "replicaDesiredUpsert",
      value: {
        replica: { id, deployment: "shop", service: id.split("-")[1], index: 0, host: "n2" },
      },
    });
    if (observedState >= 0) {
      apply({
        $case: "replicaObservedUpdate",
        value: { replica: { id, state: observedState as ReplicaState, host: "n2" } },
      });
    }
  }
  return state;
}

const started = [{ service: "db", condition: "service_started", required: true }];
const healthy = [{ service: "db", condition: "service_healthy", required: true }];

Deno.test("unmetDependency() blocks until some db replica anywhere is started/healthy", () => {
  assert.deepEqual(unmetDependency(stateWith({}).view(), "shop", started), {
    service: "db",
    condition: "service_started",
  });
  for (
    const [state, startedOk, healthyOk] of [
      [ReplicaState.REPLICA_STATE_PULLING, false, false],
      [ReplicaState.REPLICA_STATE_PENDING, false, false],
      [ReplicaState.REPLICA_STATE_FAILED, false, false],
      [ReplicaState.REPLICA_STATE_DEGRADED, true, false],
      [ReplicaState.REPLICA_STATE_RUNNING, true, true],
    ] as const
  ) {
    const view = stateWith({ "shop-db-1": state }).view();
    assert.equal(
      unmetDependency(view, "shop", started) === undefined,
      startedOk,
      `started ${state}`,
    );
    assert.equal(
      unmetDependency(view, "shop", healthy) === undefined,
      healthyOk,
      `healthy ${state}`,
    );
  }
});

Deno.test("unmetDependency() ignores required: false and other deployments' replicas", () => {
  const view = stateWith({}).view();
  assert.equal(unmetDependency(view, "shop", [{ ...started[0], required: false }]), undefined);
  const running = stateWith({ "shop-db-1": ReplicaState.REPLICA_STATE_RUNNING }).view();
  assert.ok(unmetDependency(running, "other", started));
});

Deno.test("wakesDependents() is true for pulling, running and degraded only", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7].map(wakesDependents),
    [false, true, true, true, false, false, false],
  );
});

Deno.test("dockerSocketPath() defaults to /run/docker.sock and honours unix:// DOCKER_HOST", () => {
  const env = (value?: string) => ({ get: () => value });
  assert.equal(dockerSocketPath(env()), "/run/docker.sock");
  assert.equal(dockerSocketPath(env("unix:///var/run/alt.sock")), "/var/run/alt.sock");
  assert.equal(dockerSocketPath(env("tcp://10.0.0.1:2375")), "/run/docker.sock");
});
