import assert from "node:assert/strict";
import { parse } from "yaml";
import { DeploymentStatus, DeployStatusResponse, ReplicaState } from "../proto/mod.ts";
import { detailsText, reasonText, renderStatus, statusDocument } from "./status_render.ts";

const response = DeployStatusResponse.fromPartial({
  deployments: [{
    name: "shop",
    appliedRevision: 3,
    previousRevision: 2,
    status: DeploymentStatus.DEPLOYMENT_STATUS_PENDING,
    statusDetails: { reason: "cannot_satisfy_host_placement", hosts: "1" },
  }],
  replicas: [
    {
      id: "shop-web-1",
      state: ReplicaState.REPLICA_STATE_RUNNING,
      host: "node-1",
      containerId: "0123456789abcdef",
      lastHealthAt: new Date("2026-06-01T12:00:00.500Z"),
    },
    {
      id: "shop-web-2",
      state: ReplicaState.REPLICA_STATE_FAILED,
      host: "node-2",
      code: "docker_error",
      details: { reason: "disk full", exit_code: "137" },
    },
  ],
  routes: [{
    domain: "shop.test",
    path: "",
    deployment: "shop",
    service: "web",
    port: 80,
    tlsAuto: true,
  }],
  certs: [{ domain: "shop.test", environment: "", notAfter: new Date("2026-09-01T00:00:00Z") }],
});

Deno.test("renderStatus() table: titled aligned tables, UPPERCASE enums, reasons, certs", async () => {
  assert.equal(
    await renderStatus(response, "table"),
    [
      "Deployments:",
      "DEPLOYMENT  REVISION  PREVIOUS  STATUS   DETAILS",
      "shop        3         2         PENDING  cannot_satisfy_host_placement",
      "",
      "Replicas:",
      "REPLICA_ID  STATE    HOST    CONTAINER_ID  LAST_HEALTH_AT        REASON",
      "shop-web-1  RUNNING  node-1  0123456789ab  2026-06-01T12:00:00Z",
      "shop-web-2  FAILED   node-2                                      docker_error: disk full (exit 137)",
      "",
      "Routes:",
      "DOMAIN     PATH  DEPLOYMENT  SERVICE  PORT  TLS",
      "shop.test        shop        web      80    auto",
      "",
      "Certs:",
      "DOMAIN     ENVIRONMENT  NOT_AFTER             LAST_RENEWAL_AT",
      "shop.test  unknown      2026-09-01T00:00:00Z",
      "",
    ].join("\n"),
  );
});

Deno.test("renderStatus() json and yaml: lowercase enums, omitted empties, same document", async () => {
  const json = JSON.parse(await renderStatus(response, "json"));
  assert.deepEqual(json.deployments[0], {
    name: "shop",
    applied_revision: 3,
    previous_revision: 2,
    status: "pending",
    status_details: { reason: "cannot_satisfy_host_placement", hosts: "1" },
  });
  assert.deepEqual(json.replicas[0], {
    id: "shop-web-1",
    state: "running",
    host: "node-1",
    container_id: "0123456789abcdef",
    last_health_at: "2026-06-01T12:00:00Z",
  });
  assert.equal(json.routes[0].tls, "auto");
  assert.equal(json.certs[0].environment, "unknown");
  assert.deepEqual(parse(await renderStatus(response, "yaml")), json);
  const empty = JSON.parse(await renderStatus(DeployStatusResponse.fromPartial({}), "json"));
  assert.deepEqual(empty, { deployments: [], replicas: [], routes: [] });
  assert.equal("certs" in statusDocument(DeployStatusResponse.fromPartial({})), false);
});

Deno.test("detailsText() and reasonText() follow cli.md", () => {
  assert.equal(detailsText({ b: "2", a: "1" }), "a=1 b=2");
  assert.equal(detailsText({}), "");
  assert.equal(reasonText({ code: "", message: "", details: { exit_code: "1" } }), "exit 1");
  assert.equal(reasonText({ code: "x", message: "", details: {} }), "x");
  assert.equal(reasonText({ code: "", message: "m", details: {} }), "m");
});
