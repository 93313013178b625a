import assert from "node:assert/strict";
import {
  DeploymentStatus,
  NodeStatus,
  ReplicaState,
  RolloutState,
  ServiceSpec_PlacementMode as Mode,
} from "../proto/mod.ts";
import { cases, Harness } from "./_kit_test.ts";

function running(h: Harness, deployment: string, service: string): number {
  const view = h.state.view();
  return view.replicasDesired({ deployment, service }).filter((replica) =>
    view.replicaObserved(replica.id)?.state === ReplicaState.REPLICA_STATE_RUNNING &&
    h.live.has(replica.host)
  ).length;
}

function images(h: Harness): string[] {
  return h.state.view().replicasDesired().map((replica) => replica.image).sort();
}

Deno.test("rolling update on a spec-only change is start-first, one step at a time", () => {
  const h = new Harness();
  h.nodes("a", "b", "c");
  h.deploy("shop", [{ name: "web", replicas: 3 }]);
  h.converge();
  const before = Object.keys(h.placement("shop", "web"));
  h.deploy("shop", [{ name: "web", replicas: 3, environment: { MODE: "v2" } }]);
  let steps = 0;
  for (let i = 0; i < 30; i++) {
    const result = h.pass();
    const records = Object.keys(h.placement("shop", "web")).length;
    assert.ok(records <= 4, "at most one surge replica");
    assert.ok(running(h, "shop", "web") >= 3, "capacity never drops below replicas");
    if (cases(result).includes("replicaDesiredRemove")) steps++;
    h.advance(1);
    h.runAll();
    if (result.commands.length === 0) break;
  }
  const after = Object.keys(h.placement("shop", "web"));
  assert.equal(steps, 3);
  assert.equal(after.filter((id) => before.includes(id)).length, 0, "all replaced by new ids");
  const planRecord = h.state.view().rolloutPlan("shop", "web")!;
  assert.equal(planRecord.state, RolloutState.ROLLOUT_STATE_COMPLETED);
  assert.equal(planRecord.totalSteps, 3);
  assert.equal(
    h.state.view().deployment("shop")?.status,
    DeploymentStatus.DEPLOYMENT_STATUS_ACTIVE,
  );
});

Deno.test("single-replica services roll start-first too", () => {
  const h = new Harness();
  h.nodes("a");
  h.deploy("shop", [{ name: "web" }]);
  h.converge();
  h.deploy("shop", [{ name: "web", image: "img:2" }]);
  h.pass();
  assert.deepEqual(images(h), ["img:1", "img:2"], "old keeps serving beside the new one");
  h.runAll();
  h.pass();
  assert.deepEqual(images(h), ["img:2"]);
});

Deno.test("a rollout step that never becomes healthy aborts after 60 s and rolls back", () => {
  const h = new Harness();
  h.nodes("a", "b");
  h.deploy("shop", [{ name: "web", replicas: 2 }]);
  h.converge();
  h.deploy("shop", [{ name: "web", replicas: 2, image: "img:broken" }]);
  h.pass();
  h.advance(59);
  h.pass();
  assert.equal(
    h.state.view().rolloutPlan("shop", "web")?.state,
    RolloutState.ROLLOUT_STATE_IN_PROGRESS,
  );
  h.advance(1);
  const aborted = h.pass();
  assert.ok(cases(aborted).includes("deploymentRollback"));
  const view = h.state.view();
  assert.equal(view.rolloutPlan("shop", "web")?.state, RolloutState.ROLLOUT_STATE_ABORTED);
  assert.equal(view.rolloutPlan("shop", "web")?.failureReason, "step_timeout");
  assert.equal(view.deployment("shop")?.appliedRevision, 1);
  assert.equal(view.deployment("shop")?.status, DeploymentStatus.DEPLOYMENT_STATUS_DEGRADED);
  assert.match(
    view.deployment("shop")!.statusDetails.reason,
    /aborted \(step_timeout\); rolled back to revision 1/,
  );
  h.converge();
  assert.deepEqual(images(h), ["img:1", "img:1"], "the broken replica is gone");
  assert.equal(
    h.state.view().rolloutPlan("shop", "web")?.state,
    RolloutState.ROLLOUT_STATE_ABORTED,
  );
  assert.match(h.state.view().deployment("shop")!.statusDetails.reason, /rolled back/);
  h.advance(120);
  h.converge();
  assert.equal(h.state.view().deployment("shop")?.appliedRevision, 1, "no rollback loop");
});

Deno.test("restarts: failed → restart with backoff; third consecutive failure exhausts; re-apply resets", () => {
  const h = new Harness();
  h.nodes("a");
  h.deploy("shop", [{ name: "web" }]);
  h.converge();
  const id = "shop-web-0";
  h.advance(1);
  h.observe(id, ReplicaState.REPLICA_STATE_FAILED, "container_exited");
  assert.deepEqual(cases(h.pass()).filter((c) => c !== "deploymentStatusUpdate"), [
    "restartCounterUpdate",
    "replicaCommandIssue",
  ]);
  assert.equal(h.pass().commands.length, 0, "issued once per failure");
  h.advance(0.5);
  h.observe(id, ReplicaState.REPLICA_STATE_FAILED, "container_exited");
  const early = h.pass();
  assert.equal(early.commands.length, 0, "backoff: 1 s after the first attempt");
  assert.deepEqual(early.wakeAt, new Date(h.now.getTime() + 500));
  h.advance(0.5);
  assert.ok(cases(h.pass()).includes("replicaCommandIssue"));
  assert.equal(h.state.view().restartCounter(id)?.consecutiveFailures, 2);
  h.advance(3);
  h.observe(id, ReplicaState.REPLICA_STATE_FAILED, "container_exited");
  h.pass();
  const observed = h.state.view().replicaObserved(id)!;
  assert.equal(observed.code, "restart_exhausted");
  assert.equal(observed.details.consecutive_failures, "3");
  h.advance(10);
  assert.deepEqual(
    cases(h.pass()).filter((c) => c !== "deploymentStatusUpdate"),
    [],
    "exhausted replicas are left alone",
  );
  assert.match(
    h.state.view().deployment("shop")!.statusDetails.reason,
    /restart_exhausted: shop-web-0/,
  );
  h.deploy("shop", [{ name: "web" }]);
  assert.equal(h.state.view().restartCounter(id), undefined);
  assert.equal(h.state.view().replicaObserved(id), undefined);
});

Deno.test("restarts: degraded → remove_from_routing + restart; running resets the counter", () => {
  const h = new Harness();
  h.nodes("a");
  h.deploy("shop", [{ name: "web" }]);
  h.converge();
  h.advance(1);
  h.observe("shop-web-0", ReplicaState.REPLICA_STATE_DEGRADED);
  const result = h.pass();
  const ops = result.commands.flatMap((c) => c.$case === "replicaCommandIssue" ? [c.value.op] : []);
  assert.deepEqual(ops, ["remove_from_routing", "restart"]);
  h.advance(1);
  h.observe("shop-web-0", ReplicaState.REPLICA_STATE_RUNNING);
  h.pass();
  assert.equal(h.state.view().restartCounter("shop-web-0"), undefined);
});

Deno.test("dead node: stateless replicas re-pointed, pinned ones stay pending with a reason", () => {
  const h = new Harness();
  h.nodes("a", "b", "c");
  h.deploy("shop", [
    { name: "web", replicas: 3 },
    { name: "db", replicas: 1, placement: Mode.PLACEMENT_MODE_HOSTS, hosts: ["c"] },
  ]);
  h.converge();
  const webOnC = Object.entries(h.placement("shop", "web")).find(([, host]) => host === "c")![0];
  h.live.delete("c");
  h.pass();
  const web = h.placement("shop", "web");
  assert.ok(web[webOnC] && web[webOnC] !== "c", "same id, new host");
  assert.deepEqual(h.placement("shop", "db"), { "shop-db-0": "c" });
  const deployment = h.state.view().deployment("shop")!;
  assert.equal(deployment.status, DeploymentStatus.DEPLOYMENT_STATUS_PENDING);
  assert.equal(deployment.statusDetails.reason, "cannot_satisfy_host_placement: c unreachable");
  const stranded = h.state.view().replicaObserved("shop-db-0")!;
  assert.equal(stranded.state, ReplicaState.REPLICA_STATE_PENDING, "stale running replaced");
  assert.equal(stranded.code, "cannot_satisfy_host_placement");
  assert.equal(stranded.message, "cannot_satisfy_host_placement: c unreachable");
  assert.equal(stranded.host, "c");
  h.advance(1);
  h.runAll((id) => id.startsWith("shop-web"));
  assert.ok(
    !cases(h.pass()).includes("replicaObservedUpdate"),
    "the pending mark is written once",
  );
  h.live.add("c");
  h.converge();
  assert.equal(
    h.state.view().deployment("shop")?.status,
    DeploymentStatus.DEPLOYMENT_STATUS_ACTIVE,
  );
  const counts = [...h.perHost("shop", "web").values()];
  assert.deepEqual(counts, [1, 1, 1], "evened out again once c returned");
  assert.equal(
    h.state.view().replicaObserved("shop-db-0")?.state,
    ReplicaState.REPLICA_STATE_RUNNING,
  );
});

Deno.test("drain: replacement runs before the original goes; global replicas dropped", () => {
  const h = new Harness();
  h.nodes("a", "b", "c");
  h.deploy("shop", [{ name: "web", replicas: 2 }, {
    name: "agent",
    placement: Mode.PLACEMENT_MODE_GLOBAL,
  }]);
  h.converge();
  const [drained] = Object.values(h.placement("shop", "web"));
  const originals = Object.keys(h.placement("shop", "web"));
  h.setNode(drained, NodeStatus.NODE_STATUS_READY, { drain: "true" });
  h.pass();
  assert.equal(Object.keys(h.placement("shop", "web")).length, 3, "original kept meanwhile");
  assert.ok(!Object.values(h.placement("shop", "agent")).includes(drained));
  h.pass();
  assert.equal(Object.keys(h.placement("shop", "web")).length, 3, "waits for running");
  h.runAll();
  h.pass();
  const after = h.placement("shop", "web");
  assert.ok(!Object.values(after).includes(drained));
  assert.equal(Object.keys(after).filter((id) => originals.includes(id)).length, 1);
});

Deno.test("status: degraded while replicas start, active once all run", () => {
  const h = new Harness();
  h.nodes("a", "b");
  h.deploy("shop", [{ name: "web", replicas: 2 }]);
  h.pass();
  h.pass();
  let deployment = h.state.view().deployment("shop")!;
  assert.equal(deployment.status, DeploymentStatus.DEPLOYMENT_STATUS_DEGRADED);
  assert.equal(deployment.statusDetails.reason, 'service "web": 0 of 2 running');
  assert.equal(deployment.statusDetails.replicas, "0/2 running");
  h.converge();
  deployment = h.state.view().deployment("shop")!;
  assert.equal(deployment.status, DeploymentStatus.DEPLOYMENT_STATUS_ACTIVE);
  assert.deepEqual(deployment.statusDetails, {});
  assert.equal(h.pass().commands.length, 0, "no rewrite of an unchanged status");
});

Deno.test("status: an unparseable compose keeps the deployment pending with the reason", () => {
  const h = new Harness();
  h.nodes("a");
  h.apply({
    $case: "deploymentApply",
    value: {
      deployment: "bad",
      revision: 1,
      composeYaml: new TextEncoder().encode("services: [\n"),
      services: [{ name: "web", replicas: 1 }],
    },
  });
  h.pass();
  const deployment = h.state.view().deployment("bad")!;
  assert.equal(deployment.status, DeploymentStatus.DEPLOYMENT_STATUS_PENDING);
  assert.match(deployment.statusDetails.reason, /^compose parse failed: /);
});

Deno.test("dead node returns: the evening-out replica is kept while it starts (no churn)", () => {
  const h = new Harness();
  h.nodes("a", "b", "c");
  h.deploy("shop", [{ name: "web", replicas: 6 }]);
  h.converge();
  h.live.delete("c");
  h.converge();
  assert.deepEqual([...h.perHost("shop", "web").values()], [3, 3]);
  h.live.add("c");
  for (let i = 0; i < 5; i++) {
    h.pass();
    h.runAll((id) => h.state.view().replicaDesired(id)?.host !== "c"); // c starts slowly
  }
  assert.equal(h.perHost("shop", "web").get("c"), 1, "the replica placed on c stays");
  h.converge();
  assert.deepEqual([...h.perHost("shop", "web").values()].sort(), [2, 2, 2]);
  const created = h.state.view().replicaCounter("shop", "web")!.nextIndex;
  assert.ok(created <= 8, `${created} indexes used: no create/remove churn`);
});
