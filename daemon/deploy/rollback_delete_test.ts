import assert from "node:assert/strict";
import { AuditEventType } from "../../proto/mod.ts";
import { applyDeployment } from "./apply.ts";
import { deleteDeployment, rollbackDeployment } from "./rollback_delete.ts";
import { applyRequest, caller, code, deployKit, sampleJaco } from "./_kit_test.ts";

const revisionTwo = sampleJaco
  .replace("- name: web\n    replicas: 2", "- name: web\n    replicas: 3")
  .replace("domain: web.sample.test", "domain: www.sample.test");

Deno.test("rollbackDeployment() restores the previous revision's services and routes", async () => {
  const kit = deployKit();
  await applyDeployment(applyRequest(), caller(), kit);
  await applyDeployment(applyRequest(revisionTwo), caller(), kit);
  assert.deepEqual(kit.state.view().routes().map((r) => r.domain), ["www.sample.test"]);
  const response = await rollbackDeployment(
    { deployment: "sample", revision: 0 },
    caller("ops"),
    kit,
  );
  assert.equal(response.revision, 1);
  const view = kit.state.view();
  const deployment = view.deployment("sample")!;
  assert.deepEqual([deployment.appliedRevision, deployment.previousRevision], [1, 2]);
  assert.equal(deployment.services.find((s) => s.name === "web")!.replicas, 2);
  assert.deepEqual(view.routes().map((r) => r.domain), ["web.sample.test"]);
  const audit = view.auditEvents().at(-1)!;
  assert.equal(audit.type, AuditEventType.AUDIT_EVENT_TYPE_ROLLBACK);
  assert.deepEqual(audit.payload, { deployment: "sample", revision: "1" });
  assert.equal(audit.identity, "ops");
  const forward = await rollbackDeployment({ deployment: "sample", revision: 2 }, caller(), kit);
  assert.equal(forward.revision, 2);
  assert.deepEqual(kit.state.view().routes().map((r) => r.domain), ["www.sample.test"]);
});

Deno.test("rollbackDeployment() typed refusals: empty, unknown, no previous, unretained or current revision", async () => {
  const kit = deployKit();
  await assert.rejects(
    rollbackDeployment({ deployment: "", revision: 0 }, caller(), kit),
    code("validation_failed", /^deployment is required$/),
  );
  await assert.rejects(
    rollbackDeployment({ deployment: "nope", revision: 0 }, caller(), kit),
    code("deployment_not_found", /^deployment "nope" not found$/),
  );
  await applyDeployment(applyRequest(), caller(), kit);
  await assert.rejects(
    rollbackDeployment({ deployment: "sample", revision: 0 }, caller(), kit),
    code("no_previous_revision"),
  );
  await assert.rejects(
    rollbackDeployment({ deployment: "sample", revision: 7 }, caller(), kit),
    code("validation_failed", /no retained revision 7/),
  );
  await assert.rejects(
    rollbackDeployment({ deployment: "sample", revision: 1 }, caller(), kit),
    code("validation_failed", /already runs revision 1/),
  );
  assert.equal(kit.submitted.length, 1);
});

Deno.test("deleteDeployment() removes the deployment and its routes; unknown is deployment_not_found", async () => {
  const kit = deployKit();
  await applyDeployment(applyRequest(), caller(), kit);
  await deleteDeployment({ deployment: "sample" }, caller("ops"), kit);
  const view = kit.state.view();
  assert.equal(view.deployment("sample"), undefined);
  assert.deepEqual(view.routes(), []);
  assert.deepEqual(view.tcpRoutes(), []);
  assert.equal(view.auditEvents().at(-1)!.type, AuditEventType.AUDIT_EVENT_TYPE_DELETE);
  await assert.rejects(
    deleteDeployment({ deployment: "sample" }, caller(), kit),
    code("deployment_not_found", /^deployment "sample" not found$/),
  );
  await assert.rejects(
    deleteDeployment({ deployment: "" }, caller(), kit),
    code("validation_failed"),
  );
});
