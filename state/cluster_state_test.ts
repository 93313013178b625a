/**
 * FSM semantics beyond single effects: cascades, replace-sets, partial updates, lock
 * contention, wildcards, batches, no-ops, undecodable bytes, history and retention.
 */
import assert from "node:assert/strict";
import { AuditEventType, Command, NodeStatus, ReplicaState } from "../proto/mod.ts";
import { ApplyStatus } from "./apply_outcome.ts";
import { ApplyOrderError, ClusterState } from "./cluster_state.ts";
import { at, bytes, commandBytes, drain, Feeder, type PartialPayload } from "./_kit_test.ts";

function applyRevision(
  revision: number,
  services: string[],
  routes: { domain: string; path?: string; service: string }[],
  tcpPorts: number[] = [],
): PartialPayload {
  return {
    $case: "deploymentApply",
    value: {
      deployment: "web",
      revision,
      composeYaml: bytes(`revision ${revision}`),
      services: services.map((name) => ({ name, replicas: 1 })),
      routes: routes.map((route) => ({ ...route, deployment: "web", port: 80 })),
      tcpRoutes: tcpPorts.map((publishedPort) => ({
        publishedPort,
        deployment: "web",
        service: services[0],
        containerPort: publishedPort,
      })),
    },
  };
}

function seedReplica(feeder: Feeder, id: string, deployment = "web", host = "h1") {
  feeder.apply({
    $case: "replicaDesiredUpsert",
    value: { replica: { id, deployment, service: "app", host } },
  });
  feeder.apply({
    $case: "replicaObservedUpdate",
    value: { replica: { id, state: ReplicaState.REPLICA_STATE_RUNNING, host } },
  });
  feeder.apply({ $case: "restartCounterUpdate", value: { replicaId: id, action: 1 } });
}

Deno.test("deployment_delete cascades to routes, replicas, plans and subnets only of that deployment", () => {
  const feeder = new Feeder();
  feeder.apply(applyRevision(1, ["app"], [{ domain: "a.example", service: "app" }], [9000]));
  feeder.apply({
    $case: "deploymentApply",
    value: {
      deployment: "other",
      revision: 1,
      routes: [{ domain: "o.example", deployment: "other" }],
    },
  });
  seedReplica(feeder, "web-app-1");
  seedReplica(feeder, "other-app-1", "other");
  feeder.apply({
    $case: "rolloutPlanUpdate",
    value: { plan: { deployment: "web", service: "app" } },
  });
  feeder.apply({
    $case: "subnetAllocate",
    value: { deployment: "web", network: "n", cidr: "10.1.0.0/24", host: "h1" },
  });
  feeder.apply({ $case: "replicaCounterIncrement", value: { deployment: "web", service: "app" } });

  feeder.apply({ $case: "deploymentDelete", value: { deployment: "web" } });

  const view = feeder.state.view();
  assert.equal(view.deployment("web"), undefined);
  assert.deepEqual(view.routes().map((route) => route.domain), ["o.example"]);
  assert.deepEqual(view.tcpRoutes(), []);
  assert.deepEqual(view.replicasDesired().map((replica) => replica.id), ["other-app-1"]);
  assert.deepEqual(view.replicasObserved().map((replica) => replica.id), ["other-app-1"]);
  assert.deepEqual(view.restartCounters().map((counter) => counter.replicaId), ["other-app-1"]);
  assert.deepEqual(view.rolloutPlans(), []);
  assert.deepEqual(view.subnets(), []);
  // Counters are monotonic and retained forever, so re-created replicas never reuse an index.
  assert.equal(view.replicaCounter("web", "app")?.nextIndex, 1);
});

Deno.test("node_remove deletes the node and only its subnets", () => {
  const feeder = new Feeder();
  for (const host of ["h1", "h2"]) {
    feeder.apply({ $case: "nodeJoin", value: { hostname: host } });
    feeder.apply({
      $case: "subnetAllocate",
      value: { deployment: "web", network: "n", cidr: `10.${host}/24`, host },
    });
  }
  feeder.apply({ $case: "nodeRemove", value: { hostname: "h1" } });
  const view = feeder.state.view();
  assert.deepEqual(view.nodes().map((node) => node.hostname), ["h2"]);
  assert.deepEqual(view.subnets().map((subnet) => subnet.host), ["h2"]);
});

Deno.test("replica_desired_remove cascades to the observation and restart counter", () => {
  const feeder = new Feeder();
  seedReplica(feeder, "web-app-1");
  seedReplica(feeder, "web-app-2");
  const observed = feeder.state.subscribe("replicas_observed");
  feeder.apply({ $case: "replicaDesiredRemove", value: { id: "web-app-1" } });
  const view = feeder.state.view();
  assert.equal(view.replicaDesired("web-app-1"), undefined);
  assert.equal(view.replicaObserved("web-app-1"), undefined);
  assert.equal(view.restartCounter("web-app-1"), undefined);
  assert.ok(view.replicaObserved("web-app-2"));
  return drain(observed).then((events) => {
    assert.deepEqual(events.map((event) => [event.kind, event.deployment]), [["REMOVED", "web"]]);
  });
});

Deno.test("deployment_apply replace-sets routes and TCP routes and prunes absent services' plans", () => {
  const feeder = new Feeder();
  feeder.apply(
    applyRevision(1, ["app", "api"], [
      { domain: "a.example", service: "app" },
      { domain: "a.example", path: "/api", service: "api" },
    ], [9000, 9001]),
  );
  for (const service of ["app", "api"]) {
    feeder.apply({ $case: "rolloutPlanUpdate", value: { plan: { deployment: "web", service } } });
  }
  feeder.apply({
    $case: "routeUpsert",
    value: { route: { domain: "x.example", deployment: "x" } },
  });
  const routes = feeder.state.subscribe("routes");

  feeder.apply(applyRevision(2, ["app"], [{ domain: "b.example", service: "app" }], [9001]));

  const view = feeder.state.view();
  assert.deepEqual(view.routes({ deployment: "web" }).map((route) => route.domain), ["b.example"]);
  assert.ok(view.route("x.example", ""), "other deployments' routes stay");
  assert.deepEqual(view.tcpRoutes().map((route) => route.publishedPort), [9001]);
  assert.deepEqual(view.rolloutPlans().map((plan) => plan.service), ["app"]);
  return drain(routes).then((events) => {
    assert.deepEqual(events.map((event) => event.kind), ["REMOVED", "REMOVED", "ADDED"]);
  });
});

Deno.test("node_status_update with pressure only keeps status; with status only keeps pressure", () => {
  const feeder = new Feeder();
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1" } });
  feeder.apply({
    $case: "nodeStatusUpdate",
    value: { hostname: "h1", status: NodeStatus.NODE_STATUS_READY, details: { b: "2", a: "1" } },
  });
  feeder.apply({
    $case: "nodeStatusUpdate",
    value: { hostname: "h1", cpuPressure: 0.5, memoryPressure: 0.25, includePressure: true },
  }, { ts: at(10) });
  let node = feeder.state.view().node("h1")!;
  assert.equal(node.status, NodeStatus.NODE_STATUS_READY);
  assert.deepEqual(Object.keys(node.statusDetails), ["a", "b"]);
  assert.equal(node.cpuPressure, 0.5);
  assert.deepEqual(node.lastPressureAt, at(10));

  feeder.apply({
    $case: "nodeStatusUpdate",
    value: { hostname: "h1", status: NodeStatus.NODE_STATUS_DRAIN_TIMEOUT, cpuPressure: 0.9 },
  }, { ts: at(20) });
  node = feeder.state.view().node("h1")!;
  assert.equal(node.status, NodeStatus.NODE_STATUS_DRAIN_TIMEOUT);
  assert.deepEqual(node.statusDetails, {});
  assert.equal(node.cpuPressure, 0.5, "pressure untouched without include_pressure");
  assert.deepEqual(node.lastPressureAt, at(10));

  const outcome = feeder.apply({ $case: "nodeStatusUpdate", value: { hostname: "ghost" } });
  assert.equal(outcome.status, ApplyStatus.ignored);
});

Deno.test("cert_lock blocks another lessee until expiry and lets the holder renew", () => {
  const feeder = new Feeder();
  const lock = (lessee: string, until: number, ts: number) =>
    feeder.apply({ $case: "certLock", value: { name: "a.example", lessee, until: at(until) } }, {
      ts: at(ts),
    });
  assert.equal(lock("h1", 60, 0).status, ApplyStatus.applied);
  const contended = lock("h2", 120, 30);
  assert.equal(contended.status, ApplyStatus.rejected);
  assert.equal(contended.reason, "cert_lock_held");
  assert.equal(feeder.state.view().cert("a.example")?.lessee, "h1");
  assert.equal(lock("h1", 90, 40).status, ApplyStatus.applied, "same lessee renews");
  assert.deepEqual(feeder.state.view().cert("a.example")?.lockUntil, at(90));
  assert.equal(lock("h2", 150, 89).status, ApplyStatus.rejected, "still held at 89 s");
  assert.equal(lock("h2", 150, 90).status, ApplyStatus.applied, "expired at lock_until");
  assert.equal(feeder.state.view().cert("a.example")?.lessee, "h2");
  feeder.apply({ $case: "certUnlock", value: { name: "a.example" } });
  assert.equal(lock("h3", 200, 91).status, ApplyStatus.applied, "unlocked lock is free");
});

Deno.test("subnet_free removes the exact key, or every match of the given fields", () => {
  const feeder = new Feeder();
  const keys = [["web", "a", "h1"], ["web", "a", "h2"], ["web", "b", "h1"], ["db", "a", "h1"]];
  for (const [deployment, network, host] of keys) {
    feeder.apply({
      $case: "subnetAllocate",
      value: { deployment, network, host, cidr: `${deployment}-${network}-${host}` },
    });
  }
  const remaining = () => feeder.state.view().subnets().map((subnet) => subnet.cidr);
  feeder.apply({ $case: "subnetFree", value: { deployment: "web", network: "a", host: "h1" } });
  assert.deepEqual(remaining(), ["db-a-h1", "web-a-h2", "web-b-h1"]);
  feeder.apply({ $case: "subnetFree", value: { deployment: "web", host: "h1" } });
  assert.deepEqual(remaining(), ["db-a-h1", "web-a-h2"]);
  feeder.apply({ $case: "subnetFree", value: { deployment: "web" } });
  assert.deepEqual(remaining(), ["db-a-h1"]);
  const outcome = feeder.apply({ $case: "subnetFree", value: {} });
  assert.equal(outcome.status, ApplyStatus.ignored, "no deployment never wildcards everything");
  assert.deepEqual(remaining(), ["db-a-h1"]);
});

Deno.test("batch applies children in order at one index with an audit per child", () => {
  const feeder = new Feeder();
  const hash = bytes("secret-hash");
  feeder.apply({ $case: "joinTokenIssue", value: { hashedSecret: hash, expiresAt: at(60) } });
  const outcome = feeder.apply({
    $case: "batch",
    value: {
      children: [
        // Child envelopes are ignored: the parent's ts and identity apply.
        {
          identity: "ignored",
          ts: at(999),
          payload: { $case: "joinTokenConsume", value: { hashedSecret: hash } },
        },
        { payload: { $case: "nodeJoin", value: { hostname: "h1" } } },
        {
          payload: {
            $case: "nodeStatusUpdate",
            value: { hostname: "h1", status: NodeStatus.NODE_STATUS_READY },
          },
        },
        { payload: { $case: "nodeJoin", value: { hostname: "h2" } } },
        {
          payload: {
            $case: "batch",
            value: { children: [{ payload: { $case: "nodeRemove", value: { hostname: "h2" } } }] },
          },
        },
      ],
    },
  }, { identity: "join_token:abcd1234", ts: at(5) });
  assert.equal(outcome.status, ApplyStatus.applied);
  assert.deepEqual(outcome.children?.map((child) => child.status), [
    "applied",
    "applied",
    "applied",
    "applied",
    "applied",
  ]);
  const view = feeder.state.view();
  assert.deepEqual(view.joinToken(hash)?.consumedAt, at(5));
  assert.equal(
    view.node("h1")?.status,
    NodeStatus.NODE_STATUS_READY,
    "children see earlier children",
  );
  assert.equal(view.node("h2"), undefined);
  const audit = view.auditEvents();
  assert.deepEqual(audit.map((event) => event.type), [
    AuditEventType.AUDIT_EVENT_TYPE_NODE_JOIN,
    AuditEventType.AUDIT_EVENT_TYPE_NODE_JOIN,
    AuditEventType.AUDIT_EVENT_TYPE_NODE_REMOVE,
  ]);
  for (const event of audit) {
    assert.equal(event.raftIndex, feeder.index);
    assert.equal(event.identity, "join_token:abcd1234");
    assert.deepEqual(event.ts, at(5));
  }
});

Deno.test("empty and unknown payloads are no-ops that still advance the index", () => {
  const feeder = new Feeder();
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1" } });
  const before = feeder.state.snapshot();
  assert.equal(feeder.apply(undefined).status, ApplyStatus.ignored);
  // Field 999 is a payload a newer version might add: skipped as unknown.
  const unknown = new Uint8Array([...commandBytes(undefined), 0xba, 0x3e, 0x00]);
  assert.equal(feeder.applyBytes(unknown).reason, "empty_payload");
  assert.equal(feeder.applyBytes(new Uint8Array(0)).status, ApplyStatus.ignored);
  assert.deepEqual(feeder.state.snapshot(), before);
  assert.equal(feeder.state.appliedIndex, 4);
});

Deno.test("undecodable bytes return an undecodable outcome and change nothing", () => {
  const feeder = new Feeder();
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1" } });
  const before = feeder.state.snapshot();
  const nodes = feeder.state.subscribe("nodes");
  const outcome = feeder.applyBytes(new Uint8Array([0x0a, 0xff, 0xff, 0xff]));
  assert.equal(outcome.status, ApplyStatus.undecodable);
  assert.ok(outcome.reason);
  assert.deepEqual(feeder.state.snapshot(), before);
  assert.equal(nodes.queued, 0);
  assert.equal(feeder.apply({ $case: "nodeJoin", value: { hostname: "h2" } }).status, "applied");
});

Deno.test("apply refuses an index that does not advance", () => {
  const state = new ClusterState();
  state.apply(commandBytes(undefined), 5);
  assert.throws(() => state.apply(commandBytes(undefined), 5), ApplyOrderError);
  assert.throws(() => state.apply(commandBytes(undefined), 4), ApplyOrderError);
});

Deno.test("deployment_rollback restores the retained revision's services, routes and TCP routes", () => {
  const feeder = new Feeder();
  feeder.apply(applyRevision(1, ["app"], [{ domain: "v1.example", service: "app" }], [9000]));
  feeder.apply(
    applyRevision(2, ["app", "api"], [{ domain: "v2.example", service: "api" }], [9100]),
  );
  feeder.apply({ $case: "deploymentRollback", value: { deployment: "web", revision: 1 } });
  let view = feeder.state.view();
  let deployment = view.deployment("web")!;
  assert.equal(deployment.appliedRevision, 1);
  assert.equal(deployment.previousRevision, 2);
  assert.deepEqual(deployment.services.map((service) => service.name), ["app"]);
  assert.equal(new TextDecoder().decode(deployment.composeYaml), "revision 1");
  assert.deepEqual(view.routes().map((route) => route.domain), ["v1.example"]);
  assert.deepEqual(view.tcpRoutes().map((route) => route.publishedPort), [9000]);
  assert.deepEqual(deployment.history.map((entry) => entry.revision), [2]);
  assert.deepEqual(view.deploymentRevision("web", 2)?.routes.map((route) => route.domain), [
    "v2.example",
  ]);

  // And forward again: revision 2 was kept when it was rolled away from.
  feeder.apply({ $case: "deploymentRollback", value: { deployment: "web", revision: 2 } });
  view = feeder.state.view();
  deployment = view.deployment("web")!;
  assert.deepEqual(deployment.services.map((service) => service.name), ["app", "api"]);
  assert.deepEqual(view.routes().map((route) => route.domain), ["v2.example"]);
});

Deno.test("deployment history keeps the newest revisions up to the retention", () => {
  const feeder = new Feeder({ revisionHistory: 3 });
  for (let revision = 1; revision <= 6; revision++) {
    feeder.apply(
      applyRevision(revision, ["app"], [{ domain: `v${revision}.example`, service: "app" }]),
    );
  }
  const deployment = feeder.state.view().deployment("web")!;
  assert.deepEqual(deployment.history.map((entry) => entry.revision), [3, 4, 5]);
  // Beyond the retention only the markers move, as in the reference.
  feeder.apply({ $case: "deploymentRollback", value: { deployment: "web", revision: 1 } });
  const view = feeder.state.view();
  assert.equal(view.deployment("web")?.appliedRevision, 1);
  assert.deepEqual(view.routes().map((route) => route.domain), ["v6.example"]);
});

Deno.test("audit retention drops the oldest events beyond the count and the age", () => {
  const feeder = new Feeder({ auditRetention: { maxEvents: 3, maxAgeMs: 100_000 } });
  const audit = feeder.state.subscribe("audit");
  for (let i = 0; i < 5; i++) {
    feeder.apply({ $case: "nodeJoin", value: { hostname: `h${i}` } }, { ts: at(i) });
  }
  let events = feeder.state.view().auditEvents();
  assert.deepEqual(events.map((event) => event.payload.hostname), ["h2", "h3", "h4"]);
  // A command 100 s + 2.5 s later ages out h0..h2 (only h3, h4 and the new one are young enough).
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h5" } }, { ts: at(102.5) });
  events = feeder.state.view().auditEvents();
  assert.deepEqual(events.map((event) => event.payload.hostname), ["h3", "h4", "h5"]);
  feeder.apply({ $case: "tokenRevoke", value: { identity: "none" } }, { ts: at(104.5) });
  events = feeder.state.view().auditEvents();
  assert.deepEqual(events.map((event) => event.payload.hostname), ["h5"]);
  return drain(audit).then((published) => {
    assert.equal(published.filter((event) => event.kind === "REMOVED").length, 5);
  });
});

Deno.test("audit events get identity system and the command ts when their writer left them empty", () => {
  const feeder = new Feeder();
  feeder.apply({
    $case: "auditAppend",
    value: { event: { type: AuditEventType.AUDIT_EVENT_TYPE_BACKUP_TAKEN, raftIndex: 99 } },
  }, { identity: "", ts: at(7) });
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1" } }, { identity: "" });
  feeder.apply({
    $case: "auditAppend",
    value: {
      event: { type: AuditEventType.AUDIT_EVENT_TYPE_BACKUP_TAKEN, identity: "backup", ts: at(1) },
    },
  }, { identity: "scheduler", ts: at(9) });
  const events = feeder.state.view().auditEvents();
  assert.deepEqual(events.map((event) => [event.identity, event.ts, event.raftIndex]), [
    ["system", at(7), 1],
    ["system", at(0), 2],
    ["backup", at(1), 3],
  ]);
  const unspecified = feeder.apply({ $case: "auditAppend", value: { event: { type: 0 } } });
  assert.equal(unspecified.status, ApplyStatus.ignored);
});

Deno.test("replica counters are monotonic per (deployment, service)", () => {
  const feeder = new Feeder();
  for (let i = 0; i < 3; i++) {
    feeder.apply({
      $case: "replicaCounterIncrement",
      value: { deployment: "web", service: "app" },
    });
  }
  feeder.apply({ $case: "replicaCounterIncrement", value: { deployment: "web", service: "api" } });
  const view = feeder.state.view();
  assert.equal(view.replicaCounter("web", "app")?.nextIndex, 3);
  assert.equal(view.replicaCounter("web", "api")?.nextIndex, 1);
});

Deno.test("join_token_consume keeps the first consumption and token_revoke of an unknown identity is ignored", () => {
  const feeder = new Feeder();
  const hash = bytes("h");
  feeder.apply({ $case: "joinTokenIssue", value: { hashedSecret: hash } });
  feeder.apply({ $case: "joinTokenConsume", value: { hashedSecret: hash } }, { ts: at(1) });
  const again = feeder.apply({ $case: "joinTokenConsume", value: { hashedSecret: hash } }, {
    ts: at(2),
  });
  assert.equal(again.status, ApplyStatus.ignored);
  assert.deepEqual(feeder.state.view().joinToken(hash)?.consumedAt, at(1));
  const revoke = feeder.apply({ $case: "tokenRevoke", value: { identity: "nobody" } });
  assert.equal(revoke.status, ApplyStatus.ignored);
  assert.deepEqual(feeder.state.view().auditEvents(), []);
});

Deno.test("StateView getters return copies the caller cannot mutate the state through", () => {
  const state = new ClusterState();
  const command = Command.fromPartial({
    payload: { $case: "nodeJoin", value: { hostname: "h1", address: "a:1" } },
  });
  state.applyCommand(command, 1);
  const view = state.view();
  const node = view.node("h1")!;
  node.address = "mutated";
  assert.equal(view.node("h1")?.address, "a:1");
  assert.equal(state.view().nodes()[0].address, "a:1");
});

Deno.test("challenge tokens are dropped once a command's ts passes their expiry", () => {
  const feeder = new Feeder();
  feeder.apply({
    $case: "challengeTokenStore",
    value: { token: { token: "short", domain: "a.example", expiresAt: at(10) } },
  });
  feeder.apply({ $case: "challengeTokenStore", value: { token: { token: "forever" } } });
  const tokens = () => feeder.state.view().challengeTokens().map((token) => token.token);
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1" } }, { ts: at(9) });
  assert.deepEqual(tokens(), ["forever", "short"]);
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1" } }, { ts: at(10) });
  assert.deepEqual(tokens(), ["forever"]);
});

Deno.test("payloads whose inner message is nil are ignored without touching the state", () => {
  const feeder = new Feeder();
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1" } });
  const before = feeder.state.snapshot();
  const nilPayloads: PartialPayload[] = [
    { $case: "replicaDesiredUpsert", value: {} },
    { $case: "replicaObservedUpdate", value: {} },
    { $case: "rolloutPlanUpdate", value: {} },
    { $case: "routeUpsert", value: {} },
    { $case: "challengeTokenStore", value: {} },
    { $case: "certBlobUpsert", value: {} },
    { $case: "auditAppend", value: {} },
    { $case: "registryCredentialUpsert", value: {} },
    { $case: "registryCredentialRemove", value: {} },
    { $case: "nodeJoin", value: {} },
    { $case: "tokenIssue", value: {} },
    { $case: "joinTokenIssue", value: {} },
    { $case: "deploymentApply", value: {} },
    { $case: "batch", value: {} },
  ];
  for (const payload of nilPayloads) {
    const outcome = feeder.apply(payload);
    assert.notEqual(outcome.status, ApplyStatus.undecodable, String(payload?.$case));
    if (payload?.$case !== "batch") {
      assert.equal(outcome.status, ApplyStatus.ignored, String(payload?.$case));
    }
  }
  assert.deepEqual(feeder.state.snapshot(), before);
});
