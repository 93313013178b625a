/**
 * The client-facing watch surface: secret redaction, wire conversion, resumable
 * `Watch.Subscribe` streams with markers, deployment filters and validation.
 */
import assert from "node:assert/strict";
import {
  Cert,
  EventKind,
  isJacoError,
  ReplicaState,
  SubscribeEvent,
  SubscribeMarker_Kind,
  SubscribeRequest,
} from "../proto/mod.ts";
import { subscribeClient, toSubscribeEvent } from "./client_watch.ts";
import { bytes, drain, Feeder } from "./_kit_test.ts";
import { redactForClient, redactValue } from "./redact.ts";

const secret = bytes("very-secret-hash");

Deno.test("toSubscribeEvent() strips hashed_secret from token and join token events", async () => {
  const feeder = new Feeder();
  const tokens = feeder.state.subscribe("tokens");
  const joinTokens = feeder.state.subscribe("join_tokens");
  feeder.apply({ $case: "tokenIssue", value: { identity: "ci", hashedSecret: secret } });
  feeder.apply({ $case: "tokenRevoke", value: { identity: "ci" } });
  feeder.apply({ $case: "joinTokenIssue", value: { hashedSecret: secret } });
  for (const event of await drain(tokens)) {
    const wire = toSubscribeEvent("tokens", event);
    assert.equal(wire?.payload?.$case, "token");
    const value = wire!.payload!.value as {
      before?: { hashedSecret: Uint8Array };
      after?: { hashedSecret: Uint8Array };
    };
    assert.equal(value.before?.hashedSecret.length ?? 0, 0);
    assert.equal(value.after?.hashedSecret.length, 0);
    const encoded = SubscribeEvent.encode(wire!).finish();
    assert.ok(!new TextDecoder().decode(encoded).includes("very-secret-hash"));
  }
  const [joined] = await drain(joinTokens);
  const wire = toSubscribeEvent("join_tokens", joined);
  assert.equal(wire?.payload?.$case, "joinToken");
  const value = wire!.payload!.value as { kind: EventKind; after?: { hashedSecret: Uint8Array } };
  assert.equal(value.kind, EventKind.EVENT_KIND_ADDED);
  assert.equal(value.after?.hashedSecret.length, 0);
  // The in-process event (and the store) keep the secret: auth needs it.
  assert.deepEqual(joined.after?.hashedSecret, secret);
  assert.deepEqual(feeder.state.view().token("ci")?.hashedSecret, secret);
});

Deno.test("redactForClient() empties registry secrets, the CA key and cert private keys", async () => {
  const feeder = new Feeder();
  const credentials = feeder.state.subscribe("registry_credentials");
  const meta = feeder.state.subscribe("cluster_meta");
  feeder.apply({
    $case: "registryCredentialUpsert",
    value: { credential: { registry: "ghcr.io", username: "u", secret } },
  });
  feeder.apply({ $case: "clusterInit", value: { clusterId: "c1", caKey: secret } });
  const [credential] = await drain(credentials);
  assert.equal(redactForClient("registry_credentials", credential).after?.secret.length, 0);
  assert.equal(redactForClient("registry_credentials", credential).after?.username, "u");
  const [init] = await drain(meta);
  assert.equal(redactForClient("cluster_meta", init).after?.caKey.length, 0);
  const cert = Cert.fromPartial({ domain: "a.example", privateKey: secret, lessee: "h1" });
  assert.equal(redactValue("certs", cert).privateKey.length, 0);
  assert.equal(redactValue("certs", cert).lessee, "h1");
  assert.equal(cert.privateKey, secret, "redaction copies, never mutates");
  // These stores are never streamed to clients at all.
  assert.equal(toSubscribeEvent("registry_credentials", credential), undefined);
  assert.equal(toSubscribeEvent("cluster_meta", init), undefined);
});

Deno.test("subscribeClient() rejects an unknown entity type with validation_failed", () => {
  const feeder = new Feeder();
  assert.throws(
    () => subscribeClient(feeder.state, SubscribeRequest.fromPartial({ entityTypes: ["nodez"] })),
    (error) => isJacoError(error) && error.code === "validation_failed",
  );
});

Deno.test("subscribeClient() replays after since_revision, marks CAUGHT_UP, then streams live", async () => {
  const feeder = new Feeder();
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h1" } });
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h2" } });
  feeder.apply({ $case: "tokenIssue", value: { identity: "ci", hashedSecret: secret } });
  const controller = new AbortController();
  const stream = subscribeClient(
    feeder.state,
    SubscribeRequest.fromPartial({ entityTypes: ["nodes", "tokens"], sinceRevision: 1 }),
    controller.signal,
  );
  const received: string[] = [];
  const reader = (async () => {
    for await (const event of stream) {
      const payload = event.payload!;
      if (payload.$case === "marker") {
        received.push(`marker:${payload.value.kind}:${payload.value.raftIndex}`);
      } else {
        received.push(`${payload.$case}:${payload.value.raftIndex}`);
      }
      if (received.length === 5) controller.abort();
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 0));
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h3" } });
  feeder.apply({ $case: "nodeJoin", value: { hostname: "h4" } });
  await reader;
  assert.deepEqual(received, [
    "node:2",
    "token:3",
    `marker:${SubscribeMarker_Kind.KIND_CAUGHT_UP}:3`,
    "node:4",
    "node:5",
  ]);
});

Deno.test("subscribeClient() marks RESUME_UNAVAILABLE when the revision is out of the window", async () => {
  const feeder = new Feeder({ historySize: 1 });
  for (let i = 1; i <= 3; i++) feeder.apply({ $case: "nodeJoin", value: { hostname: `h${i}` } });
  const controller = new AbortController();
  const stream = subscribeClient(
    feeder.state,
    SubscribeRequest.fromPartial({ entityTypes: ["nodes"], sinceRevision: 1 }),
    controller.signal,
  );
  const first = await stream.next();
  const second = await stream.next();
  assert.equal(first.value?.payload?.$case, "node");
  assert.equal(
    (first.value?.payload?.value as { kind: EventKind }).kind,
    EventKind.EVENT_KIND_RESYNC,
  );
  assert.deepEqual(second.value?.payload, {
    $case: "marker",
    value: { kind: SubscribeMarker_Kind.KIND_RESUME_UNAVAILABLE, raftIndex: 3 },
  });
  await stream.return(undefined);
});

Deno.test("subscribeClient() filters replicas_observed by the desired record's deployment", async () => {
  const feeder = new Feeder();
  const controller = new AbortController();
  const stream = subscribeClient(
    feeder.state,
    SubscribeRequest.fromPartial({ entityTypes: ["replicas_observed"], deploymentFilter: "web" }),
    controller.signal,
  );
  for (const deployment of ["api", "web"]) {
    feeder.apply({
      $case: "replicaDesiredUpsert",
      value: { replica: { id: `${deployment}-app-1`, deployment, service: "app" } },
    });
    feeder.apply({
      $case: "replicaObservedUpdate",
      value: { replica: { id: `${deployment}-app-1`, state: ReplicaState.REPLICA_STATE_RUNNING } },
    });
  }
  const next = await stream.next();
  const value = next.value?.payload?.value as { after?: { id: string } };
  assert.equal(value.after?.id, "web-app-1");
  controller.abort();
  assert.equal((await stream.next()).done, true);
});

Deno.test("subscribeClient() with no entity types streams every client-visible store", async () => {
  const feeder = new Feeder();
  const stream = subscribeClient(feeder.state, SubscribeRequest.fromPartial({}));
  feeder.apply({ $case: "registryCredentialUpsert", value: { credential: { registry: "x.io" } } });
  feeder.apply({ $case: "subnetAllocate", value: { deployment: "web", cidr: "10.0.0.0/24" } });
  const next = await stream.next();
  // The credential upsert's audit event arrives; the credential itself never does.
  const cases = [next.value?.payload?.$case, (await stream.next()).value?.payload?.$case];
  assert.deepEqual(cases.sort(), ["audit", "subnet"]);
  await stream.return(undefined);
});
