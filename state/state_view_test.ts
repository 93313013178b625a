/**
 * The scheduler's read-only view: one consistent raft index, copies only, typed filters.
 */
import assert from "node:assert/strict";
import { ReplicaState } from "../proto/mod.ts";
import { Feeder } from "./_kit_test.ts";

function seed(feeder: Feeder): void {
  feeder.apply({
    $case: "deploymentApply",
    value: {
      deployment: "web",
      revision: 1,
      services: [{ name: "app" }],
      routes: [{ domain: "a.example", service: "app" }],
    },
  });
  const replicas = [
    ["web-app-1", "web", "app", "h1"],
    ["web-app-2", "web", "app", "h2"],
    ["web-db-1", "web", "db", "h1"],
    ["api-app-1", "api", "app", "h1"],
  ];
  for (const [id, deployment, service, host] of replicas) {
    feeder.apply({
      $case: "replicaDesiredUpsert",
      value: { replica: { id, deployment, service, host } },
    });
    feeder.apply({
      $case: "replicaObservedUpdate",
      value: { replica: { id, host, state: ReplicaState.REPLICA_STATE_RUNNING } },
    });
  }
}

Deno.test("StateView stays at its raft index while the state moves on", () => {
  const feeder = new Feeder();
  seed(feeder);
  const view = feeder.state.view();
  const index = feeder.index;
  feeder.apply({ $case: "deploymentDelete", value: { deployment: "web" } });
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h9" } });
  assert.equal(view.raftIndex, index);
  assert.equal(view.deployment("web")?.appliedRevision, 1);
  assert.equal(view.replicasDesired().length, 4);
  assert.equal(view.routes().length, 1);
  assert.deepEqual(view.nodes(), []);
  assert.equal(view.auditEvents().length, 1);
  const now = feeder.state.view();
  assert.equal(now.deployment("web"), undefined);
  assert.deepEqual(now.replicasDesired().map((replica) => replica.id), ["api-app-1"]);
  assert.equal(now.nodes().length, 1);
});

Deno.test("StateView listers filter desired and observed replicas by deployment, service and host", () => {
  const feeder = new Feeder();
  seed(feeder);
  const view = feeder.state.view();
  const ids = (replicas: { id: string }[]) => replicas.map((replica) => replica.id);
  assert.deepEqual(ids(view.replicasDesired()), [
    "api-app-1",
    "web-app-1",
    "web-app-2",
    "web-db-1",
  ]);
  assert.deepEqual(ids(view.replicasDesired({ deployment: "web", service: "app" })), [
    "web-app-1",
    "web-app-2",
  ]);
  assert.deepEqual(ids(view.replicasDesired({ host: "h1" })), [
    "api-app-1",
    "web-app-1",
    "web-db-1",
  ]);
  assert.deepEqual(ids(view.replicasObserved({ deployment: "web", host: "h1" })), [
    "web-app-1",
    "web-db-1",
  ]);
  assert.deepEqual(ids(view.replicasObserved({ service: "db" })), ["web-db-1"]);
});

Deno.test("StateView.deploymentRevision() returns the applied revision and retained ones", () => {
  const feeder = new Feeder();
  seed(feeder);
  feeder.apply({
    $case: "deploymentApply",
    value: { deployment: "web", revision: 2, routes: [{ domain: "b.example" }] },
  });
  const view = feeder.state.view();
  assert.deepEqual(view.deploymentRevision("web", 2)?.routes.map((route) => route.domain), [
    "b.example",
  ]);
  const first = view.deploymentRevision("web", 1);
  assert.deepEqual(first?.services.map((service) => service.name), ["app"]);
  assert.deepEqual(first?.routes.map((route) => route.domain), ["a.example"]);
  assert.equal(view.deploymentRevision("web", 7), undefined);
  assert.equal(view.deploymentRevision("nope", 1), undefined);
});

Deno.test("StateView getters hand out copies", () => {
  const feeder = new Feeder();
  seed(feeder);
  const view = feeder.state.view();
  view.replicasDesired()[0].host = "elsewhere";
  view.deployment("web")!.services.push({
    name: "x",
    replicas: 1,
    placement: 0,
    hosts: [],
    networks: [],
  });
  view.auditEvents()[0].payload.deployment = "tampered";
  assert.equal(view.replicasDesired()[0].host, "h1");
  assert.equal(feeder.state.view().deployment("web")?.services.length, 1);
  assert.equal(feeder.state.view().auditEvents()[0].payload.deployment, "web");
});

Deno.test("StateView.certBlobs() lists by key prefix", () => {
  const feeder = new Feeder();
  for (const key of ["certificates/b/x.crt", "certificates/a/x.crt", "acme/account.json"]) {
    feeder.apply({ $case: "certBlobUpsert", value: { blob: { key } } });
  }
  const view = feeder.state.view();
  assert.deepEqual(view.certBlobs("certificates/").map((blob) => blob.key), [
    "certificates/a/x.crt",
    "certificates/b/x.crt",
  ]);
  assert.equal(view.certBlobs().length, 3);
});
