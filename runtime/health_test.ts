import assert from "node:assert/strict";
import { ReplicaState } from "../proto/mod.ts";
import type { EngineContainer, EngineContainerState } from "./engine.ts";
import { classifyContainer, isTransition } from "./health.ts";

function container(state: Partial<EngineContainerState> | undefined): EngineContainer {
  return {
    Id: "c",
    Name: "jaco_r",
    State: state
      ? {
        Status: "running",
        Running: true,
        ExitCode: 0,
        StartedAt: "2026-01-01T00:00:00Z",
        ...state,
      }
      : undefined,
    Labels: {},
    networkIps: { jaco_shop__default: "172.18.0.2", none: "" },
  };
}

const { PENDING, RUNNING, DEGRADED, FAILED } = {
  PENDING: ReplicaState.REPLICA_STATE_PENDING,
  RUNNING: ReplicaState.REPLICA_STATE_RUNNING,
  DEGRADED: ReplicaState.REPLICA_STATE_DEGRADED,
  FAILED: ReplicaState.REPLICA_STATE_FAILED,
};

Deno.test("classifyContainer() follows the scheduling.md §8 table", () => {
  const cases: [string, EngineContainer | undefined | Error, number, number, string][] = [
    ["inspect error", new Error("boom"), 0, FAILED, "inspect_failed"],
    ["gone", undefined, 0, FAILED, "inspect_failed"],
    ["no state", container(undefined), 0, FAILED, "no_state"],
    [
      "exited",
      container({ Status: "exited", Running: false, ExitCode: 3 }),
      4,
      FAILED,
      "container_exited",
    ],
    ["health starting", container({ Health: { Status: "starting" } }), 0, PENDING, ""],
    ["healthy", container({ Health: { Status: "healthy" } }), 0, RUNNING, ""],
    ["unhealthy", container({ Health: { Status: "unhealthy" } }), 9, DEGRADED, ""],
    ["running, warm-up", container({}), 3, PENDING, ""],
    ["running, 5th poll", container({}), 4, RUNNING, ""],
    ["created", container({ Status: "created", Running: false }), 4, PENDING, ""],
  ];
  for (const [name, input, counter, state, code] of cases) {
    const { report } = classifyContainer(input, counter);
    assert.equal(report.state, state, name);
    assert.equal(report.code, code, name);
  }
});

Deno.test("classifyContainer() carries exit code, IPs, start time and the warm-up counter", () => {
  const exited = classifyContainer(container({ Status: "exited", ExitCode: 137 }), 2);
  assert.equal(exited.report.details.exit_code, "137");
  assert.equal(exited.consecutiveRunning, 0);
  const clean = classifyContainer(container({ Status: "exited", ExitCode: 0 }), 0);
  assert.equal(clean.report.details.exit_code, undefined);
  const running = classifyContainer(container({}), 0);
  assert.deepEqual(running.report.details, { "ip.jaco_shop__default": "172.18.0.2" });
  assert.equal(running.report.startedAt?.toISOString(), "2026-01-01T00:00:00.000Z");
  assert.equal(running.consecutiveRunning, 1);
  assert.equal(classifyContainer(container({ Status: "restarting" }), 3).consecutiveRunning, 0);
});

Deno.test("isTransition() ignores messages and start times, not state, code or IPs", () => {
  const base = classifyContainer(container({}), 4).report;
  assert.equal(isTransition(undefined, base), true);
  assert.equal(isTransition(base, { ...base, message: "x", startedAt: new Date(0) }), false);
  assert.equal(isTransition(base, { ...base, state: PENDING }), true);
  assert.equal(isTransition(base, { ...base, code: "x" }), true);
  assert.equal(isTransition(base, { ...base, details: {} }), true);
});
