/**
 * Watch brokers: per-store ordering, event shapes, bounded queues that never block apply,
 * resume from a revision, close/abort, deployment filters and the replica command ledger.
 */
import assert from "node:assert/strict";
import { ReplicaState } from "../proto/mod.ts";
import { Broker } from "./broker.ts";
import { at, drain, Feeder } from "./_kit_test.ts";
import { WatchEventKind } from "./watch_event.ts";

Deno.test("Broker delivers one store's events in raft order with before/after", async () => {
  const feeder = new Feeder();
  const nodes = feeder.state.subscribe("nodes");
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1", address: "a:1" } });
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1", address: "a:1" } });
  feeder.apply({ $case: "nodeUpdateSelf", value: { hostname: "h1", grpcAddress: "g:1" } });
  feeder.apply({ $case: "nodeRemove", value: { hostname: "h1" } });
  feeder.apply({ $case: "nodeRemove", value: { hostname: "h1" } });
  const events = await drain(nodes);
  assert.deepEqual(events.map((event) => [event.kind, event.revision, event.raftIndex]), [
    ["ADDED", 1, 1],
    ["UPDATED", 2, 2], // an unchanged upsert is still UPDATED
    ["UPDATED", 3, 3],
    ["REMOVED", 4, 4], // removing a missing key (index 5) publishes nothing
  ]);
  assert.equal(events[0].before, undefined);
  assert.equal(events[0].after?.address, "a:1");
  assert.equal(events[2].before?.grpcAddress, "");
  assert.equal(events[2].after?.grpcAddress, "g:1");
  assert.equal(events[3].after, undefined);
  assert.equal(events[3].before?.hostname, "h1");
});

Deno.test("Broker events are copies: mutating one does not touch the store", async () => {
  const feeder = new Feeder();
  const nodes = feeder.state.subscribe("nodes");
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1", address: "a:1" } });
  const [event] = await drain(nodes);
  (event.after as { address: string }).address = "mutated";
  assert.equal(feeder.state.view().node("h1")?.address, "a:1");
});

Deno.test("a subscriber that never reads does not slow apply and stays bounded with one RESYNC", async () => {
  const overflows: [string, number][] = [];
  const feeder = new Feeder({ onOverflow: (store, dropped) => overflows.push([store, dropped]) });
  const stalled = feeder.state.subscribe("replicas_observed", { queueSize: 16 });
  const reader = feeder.state.subscribe("replicas_observed", { queueSize: 100_000 });
  for (let i = 0; i < 5_000; i++) {
    feeder.apply({
      $case: "replicaObservedUpdate",
      value: { replica: { id: `r${i % 50}`, state: ReplicaState.REPLICA_STATE_RUNNING } },
    });
    assert.ok(stalled.queued <= 16);
  }
  assert.equal(feeder.state.appliedIndex, 5_000);
  const events = await drain(stalled);
  assert.equal(events[0].kind, WatchEventKind.RESYNC);
  assert.equal(events.filter((event) => event.kind === WatchEventKind.RESYNC).length, 1);
  assert.equal(events.at(-1)?.revision, 5_000);
  assert.ok(events.length <= 16);
  assert.equal(stalled.droppedEvents, 5_000 - (events.length - 1));
  assert.ok(overflows.length > 0 && overflows.every(([store]) => store === "replicas_observed"));
  assert.equal((await drain(reader)).length, 5_000, "other subscribers are unaffected");
});

Deno.test("Broker.subscribe resumes from a revision inside the history window", async () => {
  const feeder = new Feeder({ historySize: 8 });
  for (let i = 1; i <= 6; i++) feeder.apply({ $case: "nodeJoin", value: { hostname: `h${i}` } });
  const resumed = feeder.state.subscribe("nodes", { sinceRevision: 3 });
  assert.equal(resumed.resumed, true);
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h7" } });
  const events = await drain(resumed);
  assert.deepEqual(events.map((event) => event.after?.hostname), ["h4", "h5", "h6", "h7"]);
  const upToDate = feeder.state.subscribe("nodes", { sinceRevision: 7 });
  assert.equal(upToDate.queued, 0);
  assert.equal(upToDate.resumed, true);
});

Deno.test("Broker.subscribe sends RESYNC when the revision is older than the history", async () => {
  const feeder = new Feeder({ historySize: 4 });
  for (let i = 1; i <= 10; i++) feeder.apply({ $case: "nodeJoin", value: { hostname: `h${i}` } });
  const tooOld = feeder.state.subscribe("nodes", { sinceRevision: 5 });
  assert.equal(tooOld.resumed, false);
  assert.deepEqual((await drain(tooOld)).map((event) => [event.kind, event.revision]), [[
    "RESYNC",
    10,
  ]]);
  const edge = feeder.state.subscribe("nodes", { sinceRevision: 6 });
  assert.deepEqual((await drain(edge)).map((event) => event.revision), [7, 8, 9, 10]);
});

Deno.test("Broker history keeps every event of a multi-event index or none of it", async () => {
  const feeder = new Feeder({ historySize: 3 });
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h0" } });
  feeder.apply({
    $case: "batch",
    value: {
      children: ["h1", "h2", "h3"].map((hostname) => ({
        payload: { $case: "nodeJoin" as const, value: { hostname } },
      })),
    },
  });
  // Index 2 has three events; the ring (3) just holds them, so resuming after 1 works...
  assert.deepEqual((await drain(feeder.state.subscribe("nodes", { sinceRevision: 1 }))).length, 3);
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h4" } });
  // ...but after one more event part of index 2 is gone: resuming after 1 must resync.
  const partial = feeder.state.subscribe("nodes", { sinceRevision: 1 });
  assert.equal(partial.resumed, false);
});

Deno.test("WatchSubscription.close() ends a pending next() and stops delivery", async () => {
  const feeder = new Feeder();
  const nodes = feeder.state.subscribe("nodes");
  const pending = nodes.next();
  nodes.close();
  assert.deepEqual(await pending, { value: undefined, done: true });
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1" } });
  assert.equal(nodes.queued, 0);
  assert.deepEqual(await nodes.next(), { value: undefined, done: true });
});

Deno.test("WatchSubscription ends its async iteration when the signal aborts", async () => {
  const feeder = new Feeder();
  const controller = new AbortController();
  const nodes = feeder.state.subscribe("nodes", { signal: controller.signal });
  const seen: string[] = [];
  const loop = (async () => {
    for await (const event of nodes) {
      seen.push(event.after!.hostname);
      if (seen.length === 2) controller.abort();
    }
  })();
  for (let i = 1; i <= 3; i++) {
    feeder.apply({ $case: "nodeJoin", value: { hostname: `h${i}` } });
    await Promise.resolve();
  }
  await loop;
  assert.deepEqual(seen, ["h1", "h2"]);
  const aborted = feeder.state.subscribe("nodes", { signal: AbortSignal.abort() });
  assert.deepEqual(await aborted.next(), { value: undefined, done: true });
});

Deno.test("a deployment filter keeps that deployment's events, RESYNC and deployment-less events", async () => {
  const feeder = new Feeder({ historySize: 1 });
  const web = feeder.state.subscribe("replicas_observed", { deployment: "web" });
  const routes = feeder.state.subscribe("routes", { deployment: "web" });
  const nodes = feeder.state.subscribe("nodes", { deployment: "web" });
  for (const deployment of ["web", "api"]) {
    feeder.apply({
      $case: "replicaDesiredUpsert",
      value: { replica: { id: `${deployment}-app-1`, deployment, service: "app" } },
    });
    feeder.apply({
      $case: "replicaObservedUpdate",
      value: { replica: { id: `${deployment}-app-1`, state: ReplicaState.REPLICA_STATE_PENDING } },
    });
    feeder.apply({
      $case: "routeUpsert",
      value: { route: { domain: `${deployment}.example`, deployment } },
    });
  }
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1" } });
  assert.deepEqual((await drain(web)).map((event) => event.after?.id), ["web-app-1"]);
  assert.deepEqual((await drain(routes)).map((event) => event.after?.domain), ["web.example"]);
  assert.deepEqual((await drain(nodes)).map((event) => event.after?.hostname), ["h1"]);
  const late = feeder.state.subscribe("routes", { deployment: "web", sinceRevision: 1 });
  assert.deepEqual((await drain(late)).map((event) => event.kind), ["RESYNC"]);
});

Deno.test("replica_command_issue is delivered on replica_commands and resumable", async () => {
  const feeder = new Feeder();
  const commands = feeder.state.subscribe("replica_commands", { deployment: "web" });
  feeder.apply({
    $case: "replicaDesiredUpsert",
    value: { replica: { id: "web-app-1", deployment: "web", service: "app" } },
  });
  feeder.apply({
    $case: "replicaCommandIssue",
    value: { replicaId: "web-app-1", op: "remove_from_routing" },
  });
  feeder.apply({ $case: "replicaCommandIssue", value: { replicaId: "web-app-1", op: "restart" } });
  const events = await drain(commands);
  assert.deepEqual(events.map((event) => [event.kind, event.after?.op, event.raftIndex]), [
    ["ADDED", "remove_from_routing", 2],
    ["ADDED", "restart", 3],
  ]);
  assert.equal(events[0].deployment, "web");
  const resumed = feeder.state.subscribe("replica_commands", { sinceRevision: 2 });
  assert.deepEqual((await drain(resumed)).map((event) => event.after?.op), ["restart"]);
});

Deno.test("observation rewrites that only refresh last_health_at are flagged freshnessOnly", async () => {
  const feeder = new Feeder();
  const observed = feeder.state.subscribe("replicas_observed");
  const observe = (state: ReplicaState, seconds: number) =>
    feeder.apply({
      $case: "replicaObservedUpdate",
      value: { replica: { id: "r1", state, details: { a: "1" }, lastHealthAt: at(seconds) } },
    });
  observe(ReplicaState.REPLICA_STATE_RUNNING, 0);
  observe(ReplicaState.REPLICA_STATE_RUNNING, 5);
  observe(ReplicaState.REPLICA_STATE_DEGRADED, 10);
  const events = await drain(observed);
  assert.deepEqual(events.map((event) => [event.kind, event.freshnessOnly ?? false]), [
    ["ADDED", false],
    ["UPDATED", true],
    ["UPDATED", false],
  ]);
  assert.deepEqual(feeder.state.view().replicaObserved("r1")?.lastHealthAt, at(10));
});

Deno.test("Broker.publish refuses a revision below the last one", () => {
  const broker = new Broker<string>("test");
  broker.publish({ kind: WatchEventKind.ADDED, after: "a", raftIndex: 5, revision: 5 });
  assert.throws(
    () => broker.publish({ kind: WatchEventKind.ADDED, after: "b", raftIndex: 4, revision: 4 }),
    RangeError,
  );
});

Deno.test("Broker.subscribe resyncs a revision ahead of the state's applied index", async () => {
  const feeder = new Feeder();
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1" } });
  feeder.apply({ $case: "tokenIssue", value: { identity: "ci" } });
  // Index 2 touched only tokens: resuming nodes from 2 is fine, from 3 is from the future.
  const current = feeder.state.subscribe("nodes", { sinceRevision: 2 });
  assert.equal(current.resumed, true);
  assert.equal(current.queued, 0);
  const ahead = feeder.state.subscribe("nodes", { sinceRevision: 3 });
  assert.equal(ahead.resumed, false);
  assert.deepEqual((await drain(ahead)).map((event) => event.kind), ["RESYNC"]);
});

Deno.test("ClusterState.restore() to an earlier index restarts revisions so applies continue", () => {
  const early = new Feeder();
  early.apply({ $case: "nodeJoin", value: { hostname: "h1" } });
  const snapshot = early.state.snapshot();
  const feeder = new Feeder();
  for (let i = 0; i < 5; i++) feeder.apply({ $case: "nodeJoin", value: { hostname: `n${i}` } });
  feeder.state.restore(snapshot, 1);
  feeder.index = 1;
  assert.equal(feeder.apply({ $case: "nodeJoin", value: { hostname: "h2" } }).status, "applied");
  assert.equal(feeder.state.revision("nodes"), 2);
  assert.deepEqual(feeder.state.view().nodes().map((node) => node.hostname), ["h1", "h2"]);
});

Deno.test("Broker.subscribe reports a replay that overflowed its queue as not resumed", async () => {
  const feeder = new Feeder();
  for (let i = 1; i <= 10; i++) feeder.apply({ $case: "nodeJoin", value: { hostname: `h${i}` } });
  const small = feeder.state.subscribe("nodes", { sinceRevision: 2, queueSize: 4 });
  assert.equal(small.resumed, false);
  const events = await drain(small);
  assert.equal(events[0].kind, WatchEventKind.RESYNC);
  assert.ok(events.length <= 4);
});
