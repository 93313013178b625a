/**
 * FSMSnapshot encoding: round trips, byte-identical snapshots across replicas (also after a
 * restore half-way), sorted content, canonical maps, and restore's RESYNC.
 */
import assert from "node:assert/strict";
import { AuditEventType, FSMSnapshot, NodeStatus, ReplicaState } from "../proto/mod.ts";
import { ClusterState } from "./cluster_state.ts";
import { at, bytes, commandBytes, drain, Feeder, type PartialPayload } from "./_kit_test.ts";
import { SnapshotDecodeError } from "./snapshot_codec.ts";

/** A command sequence touching every store, in a deliberately unsorted key order. */
function workload(): { payload: PartialPayload; ts: Date }[] {
  const steps: PartialPayload[] = [
    {
      $case: "clusterInit",
      value: {
        clusterId: "c1",
        caCert: bytes("ca"),
        caKey: bytes("key"),
        operatorTokenHashedSecret: bytes("op"),
        selfHostname: "zeta",
        selfAddress: "10.0.0.9:7001",
      },
    },
    { $case: "nodeJoin", value: { hostname: "beta", address: "10.0.0.2:7001" } },
    { $case: "nodeJoin", value: { hostname: "alpha", address: "10.0.0.1:7001" } },
    {
      $case: "nodeStatusUpdate",
      value: {
        hostname: "beta",
        status: NodeStatus.NODE_STATUS_READY,
        details: { z: "1", a: "2", m: "3" },
        includePressure: true,
        cpuPressure: 0.3,
      },
    },
    {
      $case: "deploymentApply",
      value: {
        deployment: "web",
        revision: 1,
        services: [{ name: "app", replicas: 2 }],
        routes: [{ domain: "z.example", service: "app" }, { domain: "a.example", service: "app" }],
        tcpRoutes: [{ publishedPort: 9000 }, { publishedPort: 80 }],
      },
    },
    {
      $case: "deploymentApply",
      value: { deployment: "web", revision: 2, services: [{ name: "app" }] },
    },
    { $case: "deploymentApply", value: { deployment: "api", revision: 1 } },
    { $case: "replicaCounterIncrement", value: { deployment: "web", service: "app" } },
    {
      $case: "replicaDesiredUpsert",
      value: { replica: { id: "web-app-2", deployment: "web", service: "app", host: "beta" } },
    },
    {
      $case: "replicaDesiredUpsert",
      value: { replica: { id: "web-app-1", deployment: "web", service: "app", host: "alpha" } },
    },
    {
      $case: "replicaObservedUpdate",
      value: {
        replica: {
          id: "web-app-2",
          state: ReplicaState.REPLICA_STATE_RUNNING,
          details: { "ip.web_default": "10.1.0.2", exit_code: "0" },
        },
      },
    },
    { $case: "restartCounterUpdate", value: { replicaId: "web-app-1", action: 1 } },
    {
      $case: "rolloutPlanUpdate",
      value: { plan: { deployment: "web", service: "app", totalSteps: 2 } },
    },
    { $case: "certLock", value: { name: "z.example", lessee: "beta", until: at(600) } },
    { $case: "certLock", value: { name: "a.example", lessee: "alpha", until: at(600) } },
    { $case: "challengeTokenStore", value: { token: { token: "t2", domain: "z.example" } } },
    { $case: "challengeTokenStore", value: { token: { token: "t1", domain: "a.example" } } },
    { $case: "certBlobUpsert", value: { blob: { key: "certs/z", value: bytes("z") } } },
    { $case: "certBlobUpsert", value: { blob: { key: "certs/a", value: bytes("a") } } },
    {
      $case: "subnetAllocate",
      value: { deployment: "web", network: "b", cidr: "10.1.1.0/24", host: "beta" },
    },
    {
      $case: "subnetAllocate",
      value: { deployment: "web", network: "a", cidr: "10.1.0.0/24", host: "alpha" },
    },
    { $case: "tokenIssue", value: { identity: "ci", hashedSecret: bytes("ci") } },
    { $case: "joinTokenIssue", value: { hashedSecret: bytes("join"), expiresAt: at(3600) } },
    {
      $case: "registryCredentialUpsert",
      value: { credential: { registry: "ghcr.io/z", username: "u", secret: bytes("s") } },
    },
    {
      $case: "registryCredentialUpsert",
      value: { credential: { registry: "docker.io", username: "u", secret: bytes("s") } },
    },
    {
      $case: "auditAppend",
      value: {
        event: {
          type: AuditEventType.AUDIT_EVENT_TYPE_CERTIFICATE_FAILED,
          payload: { reason: "x", domain: "z.example", failure_class: "dns" },
        },
      },
    },
    { $case: "replicaDesiredRemove", value: { id: "web-app-1" } },
    { $case: "deploymentRollback", value: { deployment: "web", revision: 1 } },
  ];
  return steps.map((payload, index) => ({ payload, ts: at(index) }));
}

function run(feeder: Feeder, steps: { payload: PartialPayload; ts: Date }[]): void {
  for (const { payload, ts } of steps) feeder.apply(payload, { ts });
}

Deno.test("snapshot() is byte-identical on two state machines fed the same commands", () => {
  const a = new Feeder();
  const b = new Feeder();
  run(a, workload());
  run(b, workload());
  const bytesA = a.state.snapshot();
  assert.ok(bytesA.length > 500);
  assert.deepEqual(b.state.snapshot(), bytesA);
});

Deno.test("snapshot() is byte-identical after a restore half-way through the log", () => {
  const steps = workload();
  const reference = new Feeder();
  run(reference, steps);
  for (const cut of [1, 7, 15, steps.length - 1]) {
    const first = new Feeder();
    run(first, steps.slice(0, cut));
    const restored = new ClusterState();
    restored.restore(first.state.snapshot(), cut);
    const second = new Feeder(restored);
    assert.equal(second.index, cut);
    run(second, steps.slice(cut));
    assert.deepEqual(second.state.snapshot(), reference.state.snapshot(), `cut at ${cut}`);
  }
});

Deno.test("snapshot() lists entities sorted by key and maps with sorted keys", () => {
  const feeder = new Feeder();
  run(feeder, workload());
  const snapshot = FSMSnapshot.decode(feeder.state.snapshot());
  assert.deepEqual(snapshot.nodes.map((node) => node.hostname), ["alpha", "beta", "zeta"]);
  assert.deepEqual(snapshot.routes.map((route) => route.domain), ["a.example", "z.example"]);
  assert.deepEqual(snapshot.tcpRoutes.map((route) => route.publishedPort), [80, 9000]);
  assert.deepEqual(snapshot.certs.map((cert) => cert.domain), ["a.example", "z.example"]);
  assert.deepEqual(snapshot.certBlobs.map((blob) => blob.key), ["certs/a", "certs/z"]);
  assert.deepEqual(snapshot.challengeTokens.map((token) => token.token), ["t1", "t2"]);
  assert.deepEqual(snapshot.subnets.map((subnet) => subnet.network), ["a", "b"]);
  assert.deepEqual(snapshot.registryCredentials.map((credential) => credential.registry), [
    "docker.io",
    "ghcr.io/z",
  ]);
  assert.deepEqual(snapshot.tokens.map((token) => token.identity), ["bootstrap", "ci"]);
  assert.deepEqual(Object.keys(snapshot.nodes[1].statusDetails), ["a", "m", "z"]);
  assert.deepEqual(Object.keys(snapshot.replicasObserved[0].details), [
    "exit_code",
    "ip.web_default",
  ]);
  assert.deepEqual(Object.keys(snapshot.auditEvents.at(-2)!.payload), [
    "domain",
    "failure_class",
    "reason",
  ]);
  assert.equal(snapshot.deployments[1].history.length, 1);
});

Deno.test("map entry order in commands does not change the snapshot bytes", () => {
  const details = [{ a: "1", b: "2" }, { b: "2", a: "1" }];
  const [one, two] = details.map((entries) => {
    const feeder = new Feeder();
    feeder.apply({ $case: "nodeJoin", value: { hostname: "h" } });
    feeder.apply({
      $case: "nodeStatusUpdate",
      value: { hostname: "h", status: NodeStatus.NODE_STATUS_READY, details: entries },
    });
    return feeder.state.snapshot();
  });
  assert.deepEqual(one, two);
});

Deno.test("restore() round-trips every store and replaces what was there", () => {
  const source = new Feeder();
  run(source, workload());
  const target = new Feeder();
  target.apply({ $case: "nodeJoin", value: { hostname: "stale" } });
  target.state.restore(source.state.snapshot(), source.index);
  assert.equal(target.state.appliedIndex, source.index);
  assert.deepEqual(target.state.snapshot(), source.state.snapshot());
  const view = target.state.view();
  assert.equal(view.node("stale"), undefined);
  assert.deepEqual(view.nodes(), source.state.view().nodes());
  assert.deepEqual(view.deployments(), source.state.view().deployments());
  assert.deepEqual(view.auditEvents(), source.state.view().auditEvents());
  assert.deepEqual(view.clusterMeta(), source.state.view().clusterMeta());
});

Deno.test("restore() publishes one RESYNC per store and resumes across it resync", async () => {
  const source = new Feeder();
  run(source, workload());
  const target = new Feeder();
  target.apply({ $case: "nodeJoin", value: { hostname: "h1" } });
  const live = target.state.subscribe("nodes");
  const deployments = target.state.subscribe("deployments");
  target.state.restore(source.state.snapshot(), 40);
  assert.deepEqual((await drain(live)).map((event) => [event.kind, event.revision]), [[
    "RESYNC",
    40,
  ]]);
  assert.deepEqual((await drain(deployments)).map((event) => event.kind), ["RESYNC"]);
  const resumed = target.state.subscribe("nodes", { sinceRevision: 1 });
  assert.equal(resumed.resumed, false);
  assert.deepEqual((await drain(resumed)).map((event) => event.kind), ["RESYNC"]);
  target.state.apply(commandBytes({ $case: "nodeJoin", value: { hostname: "h9" } }), 41);
  assert.deepEqual((await drain(live)).map((event) => [event.kind, event.revision]), [[
    "ADDED",
    41,
  ]]);
});

Deno.test("restore() of bytes that are not a snapshot throws and keeps the state", () => {
  const feeder = new Feeder();
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1" } });
  const before = feeder.state.snapshot();
  assert.throws(
    () => feeder.state.restore(new Uint8Array([0x12, 0xff, 0xff, 0xff, 0x0f]), 10),
    SnapshotDecodeError,
  );
  assert.deepEqual(feeder.state.snapshot(), before);
  assert.equal(feeder.state.appliedIndex, 1);
});
