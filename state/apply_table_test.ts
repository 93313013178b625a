/**
 * One row per command payload (rpc.md §3): its state effect and the audit it appends.
 */
import assert from "node:assert/strict";
import {
  AuditEventType,
  DeploymentStatus,
  NodeStatus,
  ReplicaState,
  RestartCounterUpdate_Action,
  RolloutState,
} from "../proto/mod.ts";
import { ApplyStatus } from "./apply_outcome.ts";
import { at, bytes, Feeder, type PartialPayload, t0 } from "./_kit_test.ts";
import type { StateView } from "./state_view.ts";

interface Row {
  name: string;
  setup?: PartialPayload[];
  payload: PartialPayload;
  status?: string;
  effect: (view: StateView) => void;
  audit?: { type: AuditEventType; payload: Record<string, string> }[];
}

const hash = bytes("0123456789abcdef0123456789abcdef");
const join: PartialPayload = {
  $case: "nodeJoin",
  value: { hostname: "h1", address: "10.0.0.1:7001", grpcAddress: "10.0.0.1:7000" },
};
const apply: PartialPayload = {
  $case: "deploymentApply",
  value: {
    deployment: "web",
    revision: 1,
    jacoYaml: bytes("jaco: 1"),
    composeYaml: bytes("services: {}"),
    services: [{ name: "app", replicas: 2 }],
    routes: [{ domain: "a.example", deployment: "web", service: "app", port: 80 }],
    tcpRoutes: [{ publishedPort: 5432, deployment: "web", service: "db", containerPort: 5432 }],
    acmeEmail: "ops@example.com",
  },
};
const desired: PartialPayload = {
  $case: "replicaDesiredUpsert",
  value: { replica: { id: "web-app-1", deployment: "web", service: "app", index: 1, host: "h1" } },
};

const rows: Row[] = [
  {
    name: "cluster_init",
    payload: {
      $case: "clusterInit",
      value: {
        clusterId: "c1",
        caCert: bytes("cert"),
        caKey: bytes("key"),
        operatorTokenHashedSecret: hash,
        selfHostname: "h1",
        selfAddress: "10.0.0.1:7001",
      },
    },
    effect(view) {
      assert.equal(view.clusterMeta()?.clusterId, "c1");
      assert.deepEqual(view.clusterMeta()?.createdAt, t0);
      assert.deepEqual(view.token("bootstrap")?.hashedSecret, hash);
      assert.equal(view.token("bootstrap")?.allowsPrivileged, false);
      assert.equal(view.node("h1")?.status, NodeStatus.NODE_STATUS_READY);
      assert.equal(view.node("h1")?.address, "10.0.0.1:7001");
    },
    audit: [{ type: AuditEventType.AUDIT_EVENT_TYPE_NODE_JOIN, payload: { cluster_id: "c1" } }],
  },
  {
    name: "node_join",
    payload: join,
    effect(view) {
      const node = view.node("h1");
      assert.equal(node?.status, NodeStatus.NODE_STATUS_JOINING);
      assert.deepEqual(node?.joinedAt, t0);
      assert.equal(node?.grpcAddress, "10.0.0.1:7000");
    },
    audit: [{ type: AuditEventType.AUDIT_EVENT_TYPE_NODE_JOIN, payload: { hostname: "h1" } }],
  },
  {
    name: "node_remove",
    setup: [join],
    payload: { $case: "nodeRemove", value: { hostname: "h1" } },
    effect: (view) => assert.equal(view.node("h1"), undefined),
    audit: [{ type: AuditEventType.AUDIT_EVENT_TYPE_NODE_REMOVE, payload: { hostname: "h1" } }],
  },
  {
    name: "node_status_update to isolation_unavailable",
    setup: [join],
    payload: {
      $case: "nodeStatusUpdate",
      value: {
        hostname: "h1",
        status: NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE,
        details: { reason: "nft" },
      },
    },
    effect(view) {
      assert.equal(view.node("h1")?.status, NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE);
      assert.deepEqual(view.node("h1")?.statusDetails, { reason: "nft" });
    },
    audit: [{
      type: AuditEventType.AUDIT_EVENT_TYPE_ISOLATION_UNAVAILABLE,
      payload: { hostname: "h1" },
    }],
  },
  {
    name: "node_update_self",
    setup: [join],
    payload: {
      $case: "nodeUpdateSelf",
      value: { hostname: "h1", wireguardPubkey: bytes("k".repeat(32)) },
    },
    effect(view) {
      assert.deepEqual(view.node("h1")?.wireguardPubkey, bytes("k".repeat(32)));
      assert.equal(view.node("h1")?.grpcAddress, "10.0.0.1:7000");
    },
  },
  {
    name: "deployment_apply",
    payload: apply,
    effect(view) {
      const deployment = view.deployment("web");
      assert.equal(deployment?.appliedRevision, 1);
      assert.equal(deployment?.previousRevision, 0);
      assert.equal(deployment?.status, DeploymentStatus.DEPLOYMENT_STATUS_ACTIVE);
      assert.deepEqual(deployment?.updatedAt, t0);
      assert.equal(deployment?.services[0].name, "app");
      assert.equal(deployment?.acmeEmail, "ops@example.com");
      assert.equal(view.route("a.example", "")?.service, "app");
      assert.equal(view.tcpRoute(5432)?.containerPort, 5432);
    },
    audit: [{
      type: AuditEventType.AUDIT_EVENT_TYPE_APPLY,
      payload: { deployment: "web", revision: "1" },
    }],
  },
  {
    name: "deployment_rollback",
    setup: [apply, {
      $case: "deploymentApply",
      value: { deployment: "web", revision: 2, services: [{ name: "app" }] },
    }],
    payload: { $case: "deploymentRollback", value: { deployment: "web", revision: 1 } },
    effect(view) {
      assert.equal(view.deployment("web")?.appliedRevision, 1);
      assert.equal(view.deployment("web")?.previousRevision, 2);
    },
    audit: [{
      type: AuditEventType.AUDIT_EVENT_TYPE_ROLLBACK,
      payload: { deployment: "web", revision: "1" },
    }],
  },
  {
    name: "deployment_delete",
    setup: [apply],
    payload: { $case: "deploymentDelete", value: { deployment: "web" } },
    effect(view) {
      assert.equal(view.deployment("web"), undefined);
      assert.deepEqual(view.routes(), []);
    },
    audit: [{ type: AuditEventType.AUDIT_EVENT_TYPE_DELETE, payload: { deployment: "web" } }],
  },
  {
    name: "deployment_status_update",
    setup: [apply],
    payload: {
      $case: "deploymentStatusUpdate",
      value: {
        deployment: "web",
        status: DeploymentStatus.DEPLOYMENT_STATUS_PENDING,
        details: { reason: "no_nodes" },
      },
    },
    effect(view) {
      assert.equal(view.deployment("web")?.status, DeploymentStatus.DEPLOYMENT_STATUS_PENDING);
      assert.deepEqual(view.deployment("web")?.statusDetails, { reason: "no_nodes" });
    },
  },
  {
    name: "replica_desired_upsert stamps the log index",
    setup: [join],
    payload: desired,
    effect(view) {
      assert.equal(view.replicaDesired("web-app-1")?.host, "h1");
      assert.equal(view.replicaDesired("web-app-1")?.raftIndex, view.raftIndex);
    },
  },
  {
    name: "replica_desired_remove",
    setup: [desired],
    payload: { $case: "replicaDesiredRemove", value: { id: "web-app-1" } },
    effect: (view) => assert.equal(view.replicaDesired("web-app-1"), undefined),
  },
  {
    name: "replica_observed_update",
    payload: {
      $case: "replicaObservedUpdate",
      value: {
        replica: { id: "web-app-1", state: ReplicaState.REPLICA_STATE_RUNNING, lastHealthAt: t0 },
      },
    },
    effect: (view) =>
      assert.equal(view.replicaObserved("web-app-1")?.state, ReplicaState.REPLICA_STATE_RUNNING),
  },
  {
    name: "replica_command_issue stores nothing",
    payload: { $case: "replicaCommandIssue", value: { replicaId: "web-app-1", op: "restart" } },
    effect: (view) => assert.deepEqual(view.replicasObserved(), []),
  },
  {
    name: "rollout_plan_update",
    payload: {
      $case: "rolloutPlanUpdate",
      value: {
        plan: {
          deployment: "web",
          service: "app",
          targetRevision: 2,
          totalSteps: 3,
          state: RolloutState.ROLLOUT_STATE_IN_PROGRESS,
        },
      },
    },
    effect: (view) => assert.equal(view.rolloutPlan("web", "app")?.totalSteps, 3),
  },
  {
    name: "replica_counter_increment",
    setup: [{ $case: "replicaCounterIncrement", value: { deployment: "web", service: "app" } }],
    payload: { $case: "replicaCounterIncrement", value: { deployment: "web", service: "app" } },
    effect: (view) => assert.equal(view.replicaCounter("web", "app")?.nextIndex, 2),
  },
  {
    name: "restart_counter_update increment",
    payload: {
      $case: "restartCounterUpdate",
      value: { replicaId: "web-app-1", action: RestartCounterUpdate_Action.ACTION_INCREMENT },
    },
    effect(view) {
      assert.equal(view.restartCounter("web-app-1")?.consecutiveFailures, 1);
      assert.deepEqual(view.restartCounter("web-app-1")?.lastAttemptAt, t0);
    },
  },
  {
    name: "restart_counter_update reset",
    setup: [{
      $case: "restartCounterUpdate",
      value: { replicaId: "web-app-1", action: RestartCounterUpdate_Action.ACTION_INCREMENT },
    }],
    payload: {
      $case: "restartCounterUpdate",
      value: { replicaId: "web-app-1", action: RestartCounterUpdate_Action.ACTION_RESET },
    },
    effect: (view) => assert.equal(view.restartCounter("web-app-1"), undefined),
  },
  {
    name: "route_upsert",
    payload: {
      $case: "routeUpsert",
      value: { route: { domain: "b.example", path: "/api", deployment: "web", port: 8080 } },
    },
    effect: (view) => assert.equal(view.route("b.example", "/api")?.port, 8080),
  },
  {
    name: "route_remove removes every path of the domain",
    setup: [
      { $case: "routeUpsert", value: { route: { domain: "b.example", path: "/api" } } },
      { $case: "routeUpsert", value: { route: { domain: "b.example", path: "" } } },
      { $case: "routeUpsert", value: { route: { domain: "c.example", path: "" } } },
    ],
    payload: { $case: "routeRemove", value: { domain: "b.example" } },
    effect: (view) => assert.deepEqual(view.routes().map((route) => route.domain), ["c.example"]),
  },
  {
    name: "cert_store is a reserved no-op",
    payload: { $case: "certStore", value: {} },
    status: ApplyStatus.ignored,
    effect: (view) => assert.deepEqual(view.certs(), []),
  },
  {
    name: "cert_lock",
    payload: { $case: "certLock", value: { name: "a.example", lessee: "h1", until: at(60) } },
    effect(view) {
      assert.equal(view.cert("a.example")?.lessee, "h1");
      assert.deepEqual(view.cert("a.example")?.lockUntil, at(60));
    },
  },
  {
    name: "cert_unlock",
    setup: [{ $case: "certLock", value: { name: "a.example", lessee: "h1", until: at(60) } }],
    payload: { $case: "certUnlock", value: { name: "a.example" } },
    effect(view) {
      assert.equal(view.cert("a.example")?.lessee, "");
      assert.equal(view.cert("a.example")?.lockUntil, undefined);
    },
  },
  {
    name: "challenge_token_store",
    payload: {
      $case: "challengeTokenStore",
      value: { token: { token: "tok", domain: "a.example", keyAuth: "tok.x" } },
    },
    effect: (view) => assert.equal(view.challengeToken("tok")?.keyAuth, "tok.x"),
  },
  {
    name: "cert_blob_upsert defaults updated_at to ts",
    payload: { $case: "certBlobUpsert", value: { blob: { key: "certs/a.crt", value: hash } } },
    effect: (view) => assert.deepEqual(view.certBlob("certs/a.crt")?.updatedAt, t0),
  },
  {
    name: "cert_blob_remove",
    setup: [{ $case: "certBlobUpsert", value: { blob: { key: "certs/a.crt" } } }],
    payload: { $case: "certBlobRemove", value: { key: "certs/a.crt" } },
    effect: (view) => assert.equal(view.certBlob("certs/a.crt"), undefined),
  },
  {
    name: "subnet_allocate",
    payload: {
      $case: "subnetAllocate",
      value: { deployment: "web", network: "_default", cidr: "10.100.0.0/24", host: "h1" },
    },
    effect(view) {
      assert.equal(view.subnet("web", "_default", "h1")?.cidr, "10.100.0.0/24");
      assert.deepEqual(view.subnet("web", "_default", "h1")?.allocatedAt, t0);
    },
  },
  {
    name: "subnet_free",
    setup: [{
      $case: "subnetAllocate",
      value: { deployment: "web", network: "_default", cidr: "10.100.0.0/24", host: "h1" },
    }],
    payload: { $case: "subnetFree", value: { deployment: "web", network: "_default", host: "h1" } },
    effect: (view) => assert.deepEqual(view.subnets(), []),
  },
  {
    name: "token_issue",
    payload: {
      $case: "tokenIssue",
      value: { identity: "ci", hashedSecret: hash, allowsPrivileged: true },
    },
    effect(view) {
      assert.deepEqual(view.token("ci")?.issuedAt, t0);
      assert.equal(view.token("ci")?.allowsPrivileged, true);
    },
    audit: [{
      type: AuditEventType.AUDIT_EVENT_TYPE_TOKEN_ISSUE,
      payload: { identity: "ci", allows_privileged: "true" },
    }],
  },
  {
    name: "token_revoke",
    setup: [{ $case: "tokenIssue", value: { identity: "ci", hashedSecret: hash } }],
    payload: { $case: "tokenRevoke", value: { identity: "ci" } },
    effect: (view) => assert.deepEqual(view.token("ci")?.revokedAt, t0),
    audit: [{ type: AuditEventType.AUDIT_EVENT_TYPE_TOKEN_REVOKE, payload: { identity: "ci" } }],
  },
  {
    name: "join_token_issue",
    payload: { $case: "joinTokenIssue", value: { hashedSecret: hash, expiresAt: at(3600) } },
    effect(view) {
      assert.deepEqual(view.joinToken(hash)?.issuedAt, t0);
      assert.deepEqual(view.joinToken(hash)?.expiresAt, at(3600));
    },
  },
  {
    name: "join_token_consume",
    setup: [{ $case: "joinTokenIssue", value: { hashedSecret: hash, expiresAt: at(3600) } }],
    payload: { $case: "joinTokenConsume", value: { hashedSecret: hash } },
    effect: (view) => assert.deepEqual(view.joinToken(hash)?.consumedAt, t0),
  },
  {
    name: "audit_append",
    payload: {
      $case: "auditAppend",
      value: {
        event: {
          type: AuditEventType.AUDIT_EVENT_TYPE_CERTIFICATE_ISSUED,
          identity: "ingress",
          payload: { domain: "a.example", acme_environment: "prod" },
        },
      },
    },
    effect: () => {},
    audit: [{
      type: AuditEventType.AUDIT_EVENT_TYPE_CERTIFICATE_ISSUED,
      payload: { acme_environment: "prod", domain: "a.example" },
    }],
  },
  {
    name: "registry_credential_upsert canonicalises the key",
    payload: {
      $case: "registryCredentialUpsert",
      value: {
        credential: { registry: "https://GHCR.io/owner/", username: "bot", secret: hash },
      },
    },
    effect(view) {
      assert.equal(view.registryCredential("ghcr.io/owner")?.username, "bot");
      assert.deepEqual(view.registryCredential("ghcr.io/owner")?.updatedAt, t0);
    },
    audit: [{
      type: AuditEventType.AUDIT_EVENT_TYPE_REGISTRY_CREDENTIAL_UPSERT,
      payload: { registry: "ghcr.io/owner", username: "bot" },
    }],
  },
  {
    name: "registry_credential_remove",
    setup: [{
      $case: "registryCredentialUpsert",
      value: { credential: { registry: "docker.io", username: "bot" } },
    }],
    payload: { $case: "registryCredentialRemove", value: { registry: "registry-1.docker.io" } },
    effect: (view) => assert.deepEqual(view.registryCredentials(), []),
    audit: [{
      type: AuditEventType.AUDIT_EVENT_TYPE_REGISTRY_CREDENTIAL_REMOVE,
      payload: { registry: "docker.io" },
    }],
  },
];

for (const row of rows) {
  Deno.test(`ClusterState.apply(${row.name}) has its state effect and audit`, () => {
    const feeder = new Feeder();
    for (const payload of row.setup ?? []) feeder.apply(payload);
    const auditBefore = feeder.state.view().auditEvents().length;
    const outcome = feeder.apply(row.payload);
    assert.equal(outcome.status, row.status ?? ApplyStatus.applied, JSON.stringify(outcome));
    const view = feeder.state.view();
    assert.equal(view.raftIndex, feeder.index);
    row.effect(view);
    const appended = view.auditEvents().slice(auditBefore);
    assert.deepEqual(
      appended.map(({ type, payload }) => ({ type, payload })),
      row.audit ?? [],
    );
    for (const event of appended) {
      assert.equal(event.raftIndex, feeder.index);
      assert.deepEqual(event.ts, t0);
      assert.equal(event.identity, row.payload?.$case === "auditAppend" ? "ingress" : "alice");
    }
  });
}

Deno.test("apply table covers every command payload", async () => {
  const source = await Deno.readTextFile(
    new URL("../proto/jaco/v1/commands.proto", import.meta.url),
  );
  const body = source.slice(source.indexOf("oneof payload"), source.indexOf("message ClusterInit"));
  const fields = [...body.matchAll(/^\s+\w+ (\w+) = \d+;/gm)].map((match) => match[1]);
  assert.ok(fields.length >= 34, `found only ${fields.length} payload fields`);
  const camel = (name: string) => name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  const covered = new Set(rows.map((row) => row.payload?.$case));
  covered.add("batch"); // batch recursion has its own tests
  assert.deepEqual(fields.map(camel).filter((field) => !covered.has(field as never)), []);
});
