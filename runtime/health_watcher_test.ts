import assert from "node:assert/strict";
import { ReplicaState } from "../proto/mod.ts";
import type { ContainerEngine, EngineContainer } from "./engine.ts";
import type { HealthReport } from "./health.ts";
import { HealthWatcher } from "./health_watcher.ts";

/** An engine whose only working call is `inspectContainer`, answering with `health.status`. */
function engineOf(health: { status: string }, polls: { count: number }): ContainerEngine {
  const inspect = (): Promise<EngineContainer> => {
    polls.count++;
    return Promise.resolve({
      Id: "c1",
      Name: "jaco_shop-web-0",
      State: {
        Status: "running",
        Running: true,
        ExitCode: 0,
        StartedAt: "2026-01-01T00:00:00Z",
        Health: { Status: health.status },
      },
      Labels: {},
      networkIps: {},
    });
  };
  return { inspectContainer: inspect } as unknown as ContainerEngine;
}

Deno.test("HealthWatcher.poke() polls at once instead of at the next (long) interval", async () => {
  const health = { status: "healthy" };
  const polls = { count: 0 };
  const transitions: HealthReport[] = [];
  let notify: () => void = () => {};
  const watcher = new HealthWatcher({
    engine: engineOf(health, polls),
    replicaId: "shop-web-0",
    containerId: "c1",
    // Far beyond the test's life: only pokes can make the second poll happen.
    pendingIntervalMs: 3_600_000,
    runningIntervalMs: 3_600_000,
    onTransition(report) {
      transitions.push(report);
      notify();
    },
  });
  const next = () => new Promise<void>((resolve) => notify = resolve);
  let transition = next();
  watcher.start();
  await transition;
  assert.equal(transitions.at(-1)?.state, ReplicaState.REPLICA_STATE_RUNNING);
  assert.equal(polls.count, 1);

  health.status = "unhealthy";
  transition = next();
  watcher.poke();
  await transition;
  assert.equal(transitions.at(-1)?.state, ReplicaState.REPLICA_STATE_DEGRADED);
  assert.equal(polls.count, 2);
  await watcher.stop();
  watcher.poke(); // no-op once stopped
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(polls.count, 2);
});

Deno.test("HealthWatcher.poke() during a poll in flight polls once more right after it", async () => {
  const health = { status: "healthy" };
  const polls = { count: 0 };
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  const engine = engineOf(health, polls);
  const slow = {
    inspectContainer: async (id: string) => {
      const answer = await engine.inspectContainer(id);
      if (polls.count === 1) await gate;
      return answer;
    },
  } as unknown as ContainerEngine;
  const states: ReplicaState[] = [];
  let notify: () => void = () => {};
  const watcher = new HealthWatcher({
    engine: slow,
    replicaId: "shop-web-0",
    containerId: "c1",
    pendingIntervalMs: 3_600_000,
    runningIntervalMs: 3_600_000,
    onTransition(report) {
      states.push(report.state);
      notify();
    },
  });
  watcher.start();
  while (polls.count === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  watcher.poke(); // the first poll is still waiting on the engine
  health.status = "unhealthy";
  const second = new Promise<void>((resolve) => {
    notify = () => states.length === 2 && resolve();
  });
  release();
  await second;
  assert.deepEqual(states, [
    ReplicaState.REPLICA_STATE_RUNNING,
    ReplicaState.REPLICA_STATE_DEGRADED,
  ]);
  await watcher.stop();
});
