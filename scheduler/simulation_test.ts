/**
 * Simulation: ClusterState + plan() + a fake runtime that reports a replica running two steps
 * after it was (re)placed, driven through apply → roll → node death → drain, with the
 * invariants checked after every step.
 */
import assert from "node:assert/strict";
import { DeploymentStatus, NodeStatus, ReplicaState } from "../proto/mod.ts";
import { Harness } from "./_kit_test.ts";

class Sim {
  readonly h = new Harness();
  step = 0;
  minRunning = 0;
  readonly #placedAt = new Map<string, number>();

  tick(): number {
    this.step++;
    this.h.advance(1);
    const planned = this.h.pass().commands.length;
    const view = this.h.state.view();
    for (const replica of view.replicasDesired()) {
      const key = `${replica.id}@${replica.raftIndex}`;
      if (!this.#placedAt.has(key)) this.#placedAt.set(key, this.step);
      const observed = view.replicaObserved(replica.id);
      const ready = this.step - this.#placedAt.get(key)! >= 2;
      const isRunning = observed?.state === ReplicaState.REPLICA_STATE_RUNNING &&
        observed.host === replica.host;
      if (ready && !isRunning && this.h.live.has(replica.host)) {
        this.h.observe(replica.id, ReplicaState.REPLICA_STATE_RUNNING);
      }
    }
    this.#check();
    return planned;
  }

  /** Ticks until three passes in a row (longer than the runtime delay) plan nothing. */
  converge(): void {
    let quiet = 0;
    for (let i = 0; i < 60; i++) {
      quiet = this.tick() === 0 && this.#allRunning() ? quiet + 1 : 0;
      if (quiet === 3) return;
    }
    throw new Error(`did not converge by step ${this.step}`);
  }

  #allRunning(): boolean {
    const view = this.h.state.view();
    return view.deployments().every((d) => d.status === DeploymentStatus.DEPLOYMENT_STATUS_ACTIVE);
  }

  #check(): void {
    const view = this.h.state.view();
    const eligible = view.nodes().filter((node) =>
      this.h.live.has(node.hostname) && node.status === NodeStatus.NODE_STATUS_READY &&
      !node.statusDetails.drain
    ).map((node) => node.hostname);
    const counts = new Map(eligible.map((host) => [host, 0]));
    let running = 0;
    for (const replica of view.replicasDesired({ deployment: "shop", service: "web" })) {
      if (counts.has(replica.host)) counts.set(replica.host, counts.get(replica.host)! + 1);
      const observed = view.replicaObserved(replica.id);
      if (
        observed?.state === ReplicaState.REPLICA_STATE_RUNNING &&
        observed.host === replica.host && this.h.live.has(replica.host)
      ) running++;
    }
    const values = [...counts.values()];
    assert.ok(
      !(values.includes(0) && values.some((n) => n >= 2)),
      `step ${this.step}: uneven spread ${JSON.stringify([...counts])}`,
    );
    assert.ok(running >= this.minRunning, `step ${this.step}: only ${running} running`);
  }
}

Deno.test("simulation: apply → roll → node death → drain keeps the invariants and converges", () => {
  const sim = new Sim();
  const h = sim.h;
  h.nodes("a", "b", "c", "d");
  h.deploy("shop", [{ name: "web", replicas: 3 }]);
  sim.converge();
  assert.equal(Object.keys(h.placement("shop", "web")).length, 3);

  sim.minRunning = 2; // replicas − 1 during the roll
  h.deploy("shop", [{ name: "web", replicas: 3, image: "img:2" }]);
  sim.converge();
  assert.deepEqual(
    h.state.view().replicasDesired().map((replica) => replica.image),
    ["img:2", "img:2", "img:2"],
  );

  sim.minRunning = 0;
  const victim = Object.values(h.placement("shop", "web"))[0];
  h.live.delete(victim);
  const deathStep = sim.step;
  sim.converge();
  assert.ok(!Object.values(h.placement("shop", "web")).includes(victim));
  assert.ok(sim.step - deathStep <= 10);

  sim.minRunning = 3; // make-before-break: the drain never drops capacity
  const [drained] = Object.values(h.placement("shop", "web"));
  h.setNode(drained, NodeStatus.NODE_STATUS_READY, { drain: "true" });
  sim.converge();
  const hosts = Object.values(h.placement("shop", "web"));
  assert.equal(hosts.length, 3);
  assert.ok(!hosts.includes(drained) && !hosts.includes(victim));
});
