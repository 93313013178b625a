import assert from "node:assert/strict";
import { AuditEventType, ServiceSpec_PlacementMode } from "../../proto/mod.ts";
import { applyDeployment } from "./apply.ts";
import { rollbackDeployment } from "./rollback_delete.ts";
import { applyRequest, caller, code, deployKit, sampleCompose, sampleJaco } from "./_kit_test.ts";

const privilegedCompose = `services:
  tool:
    image: jaco-test/busybox:1
    privileged: true
    labels:
      jaco.io/allow-privileged: "true"
  web:
    image: jaco-test/busybox:1
`;

Deno.test("applyDeployment() commits revision 1 with services, routes, TCP routes and audit", async () => {
  const kit = deployKit();
  const response = await applyDeployment(applyRequest(), caller("local"), kit);
  assert.equal(response.appliedRevision, 1);
  assert.deepEqual(response.diff?.adds, [
    "route web.sample.test/",
    "service agent",
    "service api",
    "service db",
    "service web",
    "tcp 15432",
  ]);
  const view = kit.state.view();
  const deployment = view.deployment("sample")!;
  assert.equal(deployment.appliedRevision, 1);
  assert.equal(deployment.acmeEmail, "ops@example.test");
  assert.deepEqual(deployment.services.map((s) => [s.name, s.replicas, s.placement]), [
    ["agent", 1, ServiceSpec_PlacementMode.PLACEMENT_MODE_GLOBAL],
    ["api", 2, ServiceSpec_PlacementMode.PLACEMENT_MODE_PACK],
    ["db", 1, ServiceSpec_PlacementMode.PLACEMENT_MODE_HOSTS],
    ["web", 2, ServiceSpec_PlacementMode.PLACEMENT_MODE_SPREAD],
  ]);
  assert.deepEqual(view.routes().map((r) => [r.domain, r.service, r.port, r.tlsAuto]), [
    ["web.sample.test", "web", 8080, false],
  ]);
  assert.deepEqual(view.tcpRoutes().map((r) => [r.publishedPort, r.service, r.containerPort]), [
    [15432, "db", 5432],
  ]);
  const audit = view.auditEvents().at(-1)!;
  assert.equal(audit.type, AuditEventType.AUDIT_EVENT_TYPE_APPLY);
  assert.deepEqual(audit.payload, { deployment: "sample", revision: "1" });
  assert.equal(audit.identity, "local");
});

Deno.test("applyDeployment() dry run returns the current revision and the diff, writes nothing", async () => {
  const kit = deployKit();
  const dry = await applyDeployment(applyRequest(undefined, undefined, true), caller(), kit);
  assert.equal(dry.appliedRevision, 0);
  assert.equal(dry.diff?.adds.length, 6);
  assert.equal(kit.submitted.length, 0);
  assert.equal(kit.state.view().deployment("sample"), undefined);
});

Deno.test("applyDeployment() re-apply: revision 2, diff names what changed; same pair diffs empty", async () => {
  const kit = deployKit();
  await applyDeployment(applyRequest(), caller(), kit);
  const changed =
    sampleJaco.replace("- name: web\n    replicas: 2", "- name: web\n    replicas: 3") +
    "  - domain: api.sample.test\n    service: api\n    port: 8081\n";
  const compose = sampleCompose.replace('DB_PORT: "5432"', 'DB_PORT: "6543"');
  const dry = await applyDeployment(applyRequest(changed, compose, true), caller(), kit);
  assert.equal(dry.appliedRevision, 1);
  assert.deepEqual(dry.diff, {
    adds: ["route api.sample.test/"],
    updates: ["service api: compose spec", "service web: replicas 2 → 3"],
    removes: [],
  });
  const second = await applyDeployment(applyRequest(changed, compose), caller(), kit);
  assert.equal(second.appliedRevision, 2);
  assert.equal(kit.state.view().deployment("sample")!.previousRevision, 1);
  const same = await applyDeployment(applyRequest(changed, compose), caller(), kit);
  assert.equal(same.appliedRevision, 3);
  assert.deepEqual(same.diff, { adds: [], updates: [], removes: [] });
});

Deno.test("applyDeployment() after a rollback commits a new number; the rolled-back-from revision is kept", async () => {
  const kit = deployKit();
  await applyDeployment(applyRequest(), caller(), kit);
  const compose2 = sampleCompose.replace('DB_PORT: "5432"', 'DB_PORT: "6543"');
  await applyDeployment(applyRequest(sampleJaco, compose2), caller(), kit);
  await rollbackDeployment({ deployment: "sample", revision: 0 }, caller(), kit);
  assert.equal(kit.state.view().deployment("sample")!.appliedRevision, 1);
  const compose3 = sampleCompose.replace('DB_PORT: "5432"', 'DB_PORT: "7654"');
  const third = await applyDeployment(applyRequest(sampleJaco, compose3), caller(), kit);
  assert.equal(third.appliedRevision, 3);
  const view = kit.state.view();
  assert.equal(view.deployment("sample")!.previousRevision, 1);
  const compose = (revision: number) =>
    new TextDecoder().decode(view.deploymentRevision("sample", revision)!.composeYaml);
  assert.match(compose(2), /6543/);
  assert.match(compose(3), /7654/);
});

Deno.test("applyDeployment() refuses a pinned host that is not a member: unknown_host", async () => {
  const kit = deployKit(["other-1", "other-2"]);
  await assert.rejects(
    applyDeployment(applyRequest(), caller(), kit),
    code("unknown_host", /service "db" pins host "node-1"/),
  );
  assert.equal(kit.submitted.length, 0);
});

Deno.test("applyDeployment() refuses a port or route another deployment owns", async () => {
  const kit = deployKit();
  await applyDeployment(applyRequest(), caller(), kit);
  const other = sampleJaco.replace("deployment: sample", "deployment: other");
  await assert.rejects(
    applyDeployment(applyRequest(other), caller(), kit),
    code("validation_failed", /route conflict: domain "web.sample.test"/),
  );
  const noRoutes = other.replace(/routes:[\s\S]*$/, "");
  await assert.rejects(
    applyDeployment(applyRequest(noRoutes), caller(), kit),
    code("port_conflict", /host port 15432 is already published by deployment "sample"/),
  );
});

Deno.test("applyDeployment() privileged fence: token without allows_privileged is refused, also dry-run", async () => {
  const kit = deployKit();
  kit.apply({
    $case: "tokenIssue",
    value: { identity: "bob", hashedSecret: new Uint8Array(32), allowsPrivileged: false },
  });
  const jaco = "deployment: priv\n";
  for (const dryRun of [true, false]) {
    await assert.rejects(
      applyDeployment(applyRequest(jaco, privilegedCompose, dryRun), caller("bob"), kit),
      code(
        "privilege_denied",
        /^token "bob" lacks allows_privileged; service "tool" uses privileged$/,
      ),
    );
  }
  assert.equal(kit.submitted.length, 0);
});

Deno.test("applyDeployment() admits gated services for privileged tokens and the socket, auditing each", async () => {
  const kit = deployKit();
  kit.apply({
    $case: "tokenIssue",
    value: { identity: "ci", hashedSecret: new Uint8Array(32), allowsPrivileged: true },
  });
  await applyDeployment(applyRequest("deployment: priv\n", privilegedCompose), caller("ci"), kit);
  const events = kit.state.view().auditEvents().slice(-2);
  assert.equal(events[0].type, AuditEventType.AUDIT_EVENT_TYPE_APPLY);
  assert.equal(events[1].type, AuditEventType.AUDIT_EVENT_TYPE_PRIVILEGED_WORKLOAD_ADMITTED);
  assert.deepEqual(events[1].payload, {
    deployment: "priv",
    service: "tool",
    identity: "ci",
    fields: "privileged",
  });
  assert.equal(events[0].raftIndex, events[1].raftIndex, "one commit");
  const local = await applyDeployment(
    applyRequest("deployment: priv\n", privilegedCompose),
    caller("local"),
    kit,
  );
  assert.equal(local.appliedRevision, 2);
});

Deno.test("applyDeployment() re-validates: empty manifests, unresolved env_file, unknown service", async () => {
  const kit = deployKit();
  await assert.rejects(
    applyDeployment(applyRequest(""), caller(), kit),
    code("validation_failed", /^jaco_yaml is required$/),
  );
  await assert.rejects(
    applyDeployment(applyRequest(sampleJaco, ""), caller(), kit),
    code("validation_failed", /^compose_yaml is required$/),
  );
  await assert.rejects(
    applyDeployment(
      applyRequest("deployment: x\n", "services:\n  a:\n    image: i\n    env_file: .env\n"),
      caller(),
      kit,
    ),
    code("env_file_unresolved"),
  );
  await assert.rejects(
    applyDeployment(
      applyRequest("deployment: x\nservices:\n  - name: b\n", "services:\n  a:\n    image: i\n"),
      caller(),
      kit,
    ),
    code("unknown_service"),
  );
  assert.equal(kit.submitted.length, 0);
});
