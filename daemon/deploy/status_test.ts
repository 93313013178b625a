import assert from "node:assert/strict";
import { JacoError } from "../../proto/errors.ts";
import { ReplicaState } from "../../proto/mod.ts";
import { applyDeployment } from "./apply.ts";
import { getReplicas, getRoute } from "./read_outs.ts";
import { deployStatus } from "./status.ts";
import { applyRequest, caller, code, deployKit, type Kit, sampleJaco } from "./_kit_test.ts";

const now = new Date("2026-06-01T13:00:00Z");

function desired(kit: Kit, id: string, service: string, index: number, host: string) {
  kit.apply({
    $case: "replicaDesiredUpsert",
    value: {
      replica: {
        id,
        deployment: "sample",
        service,
        index,
        host,
        image: "jaco-test/busybox:1",
        raftIndex: 0,
        specHash: "",
      },
    },
  });
}

function observed(kit: Kit, id: string, state: ReplicaState, extra: Record<string, unknown> = {}) {
  kit.apply({
    $case: "replicaObservedUpdate",
    value: {
      replica: {
        id,
        state,
        code: "",
        message: "",
        details: {},
        containerId: `c-${id}`,
        host: "",
        startedAt: undefined,
        lastHealthAt: undefined,
        ...extra,
      },
    },
  });
}

async function sampleWithReplicas(): Promise<Kit> {
  const kit = deployKit();
  await applyDeployment(applyRequest(), caller(), kit);
  desired(kit, "sample-web-2", "web", 2, "node-2");
  desired(kit, "sample-web-1", "web", 1, "node-1");
  desired(kit, "sample-api-1", "api", 1, "node-3");
  observed(kit, "sample-web-1", ReplicaState.REPLICA_STATE_RUNNING, {
    lastHealthAt: new Date(now.getTime() - 2000),
  });
  observed(kit, "sample-web-2", ReplicaState.REPLICA_STATE_RUNNING, {
    lastHealthAt: new Date(now.getTime() - 60_000),
  });
  observed(kit, "sample-api-1", ReplicaState.REPLICA_STATE_DEGRADED, {
    code: "unhealthy",
    host: "node-3",
  });
  return kit;
}

Deno.test("deployStatus() filters by deployment and service, sorts, fills hosts, drops history", async () => {
  const kit = await sampleWithReplicas();
  await applyDeployment(
    applyRequest("deployment: alpha\n", "services:\n  x:\n    image: i\n"),
    caller(),
    kit,
  );
  const all = deployStatus(kit.state.view(), { deploymentFilter: "", serviceFilter: "" });
  assert.deepEqual(all.deployments.map((d) => d.name), ["alpha", "sample"]);
  assert.deepEqual(all.deployments[1].history, []);
  assert.deepEqual(all.deployments[1].statusDetails, {});
  assert.deepEqual(all.replicas.map((r) => [r.id, r.host]), [
    ["sample-api-1", "node-3"],
    ["sample-web-1", "node-1"],
    ["sample-web-2", "node-2"],
  ]);
  assert.deepEqual(all.tcpRoutes.map((r) => r.publishedPort), [15432]);
  const web = deployStatus(kit.state.view(), { deploymentFilter: "sample", serviceFilter: "web" });
  assert.deepEqual(web.deployments.map((d) => d.name), ["sample"]);
  assert.deepEqual(web.replicas.map((r) => r.id), ["sample-web-1", "sample-web-2"]);
  assert.deepEqual(web.routes.map((r) => r.domain), ["web.sample.test"]);
  assert.deepEqual(web.tcpRoutes, []);
  const api = deployStatus(kit.state.view(), { deploymentFilter: "", serviceFilter: "api" });
  assert.deepEqual(api.routes, []);
});

Deno.test("getReplicas() joins desired, observed and depends_on; filters AND-combine", async () => {
  const kit = await sampleWithReplicas();
  const all = getReplicas(kit.state.view(), {
    deploymentFilter: "",
    serviceFilter: "",
    replicaId: "",
  });
  assert.deepEqual(all.replicas.map((r) => r.id), ["sample-api-1", "sample-web-1", "sample-web-2"]);
  const web = all.replicas[1];
  assert.equal(web.host, "node-1");
  assert.equal(web.state, ReplicaState.REPLICA_STATE_RUNNING);
  assert.equal(web.containerId, "c-sample-web-1");
  assert.deepEqual(web.dependsOn, [{
    service: "api",
    condition: "service_started",
    state: ReplicaState.REPLICA_STATE_DEGRADED,
    satisfied: true,
  }]);
  const one = getReplicas(kit.state.view(), {
    deploymentFilter: "sample",
    serviceFilter: "web",
    replicaId: "sample-web-2",
  });
  assert.deepEqual(one.replicas.map((r) => r.id), ["sample-web-2"]);
  const none = getReplicas(kit.state.view(), {
    deploymentFilter: "sample",
    serviceFilter: "api",
    replicaId: "sample-web-2",
  });
  assert.deepEqual(none.replicas, []);
});

Deno.test("getRoute() orders longest path first, catch-all last, and counts ready replicas", async () => {
  const kit = await sampleWithReplicas();
  const jaco = sampleJaco + [
    "  - domain: web.sample.test",
    "    path: /api",
    "    service: api",
    "    port: 8081",
    "  - domain: web.sample.test",
    "    path: /api/v2",
    "    service: api",
    "    port: 8081",
    "",
  ].join("\n");
  await applyDeployment(applyRequest(jaco), caller(), kit);
  const route = getRoute(kit.state.view(), { domain: "WEB.sample.test" }, now);
  assert.equal(route.domain, "web.sample.test");
  assert.deepEqual(
    route.routes.map((r) => [r.path, r.catchAll, r.readyReplicas, r.totalReplicas]),
    [
      ["/api/v2", false, 0, 1],
      ["/api", false, 0, 1],
      ["", true, 1, 2],
    ],
  );
  assert.throws(
    () => getRoute(kit.state.view(), { domain: "" }, now),
    (e) => e instanceof JacoError && e.code === "validation_failed",
  );
  assert.throws(
    () => getRoute(kit.state.view(), { domain: "nope.test" }, now),
    code("route_not_found"),
  );
});
