import assert from "node:assert/strict";
import { parse } from "yaml";
import {
  Deployment,
  DeploymentStatus,
  GetRouteResponse,
  ReplicaDetail,
  ReplicaState,
  Route,
  ServiceSpec_PlacementMode,
} from "../proto/mod.ts";
import {
  renderDeployment,
  renderDeployments,
  renderReplica,
  renderReplicas,
  renderRoute,
  renderRoutes,
} from "./get_render.ts";

const encoder = new TextEncoder();
const shop = Deployment.fromPartial({
  name: "shop",
  appliedRevision: 2,
  previousRevision: 1,
  status: DeploymentStatus.DEPLOYMENT_STATUS_ACTIVE,
  acmeEmail: "ops@shop.test",
  jacoYaml: encoder.encode("deployment: shop\n"),
  composeYaml: encoder.encode("services:\n  web: {image: nginx}\n"),
  services: [
    {
      name: "web",
      replicas: 2,
      placement: ServiceSpec_PlacementMode.PLACEMENT_MODE_SPREAD,
      networks: ["edge"],
    },
    {
      name: "db",
      replicas: 1,
      placement: ServiceSpec_PlacementMode.PLACEMENT_MODE_HOSTS,
      hosts: ["n1"],
    },
  ],
});
const alpha = Deployment.fromPartial({
  name: "alpha",
  appliedRevision: 1,
  status: DeploymentStatus.DEPLOYMENT_STATUS_PENDING,
});

Deno.test("get deployments: sorted rows with sorted services; json array", async () => {
  assert.equal(
    await renderDeployments([shop, alpha], "table"),
    "Deployments:\nDEPLOYMENT  REVISION  PREVIOUS  STATUS   SERVICES\n" +
      "alpha       1         0         PENDING\nshop        2         1         ACTIVE   db,web\n",
  );
  assert.deepEqual(JSON.parse(await renderDeployments([shop], "json")), [
    {
      name: "shop",
      applied_revision: 2,
      previous_revision: 1,
      status: "active",
      services: ["db", "web"],
    },
  ]);
  assert.equal(await renderDeployments([], "json"), "[]\n");
});

Deno.test("get deployment: key/value block, services, manifests; yaml embeds the manifests", async () => {
  const table = await renderDeployment(shop, "table");
  assert.ok(
    table.startsWith(
      "Deployment:    shop\nRevision:      2 (previous 1)\nStatus:        ACTIVE\n" +
        "ACME email:    ops@shop.test\n\nServices:\nSERVICE  REPLICAS  PLACEMENT  HOSTS  NETWORKS\n" +
        "web      2         SPREAD            edge\ndb       1         HOSTS      n1\n",
    ),
    table,
  );
  assert.ok(
    table.endsWith(
      "\njaco.yaml:\ndeployment: shop\n\ncompose.yaml:\nservices:\n  web: {image: nginx}\n",
    ),
  );
  const yaml = parse(await renderDeployment(shop, "yaml"));
  assert.equal(yaml.jaco_yaml, "deployment: shop\n");
  assert.deepEqual(yaml.services[1], {
    name: "db",
    replicas: 1,
    placement: "hosts",
    hosts: ["n1"],
  });
  assert.deepEqual(yaml.services[0].networks, ["edge"]);
});

const replica = ReplicaDetail.fromPartial({
  id: "shop-web-1",
  deployment: "shop",
  service: "web",
  index: 1,
  host: "n2",
  containerId: "abc",
  state: ReplicaState.REPLICA_STATE_PENDING,
  image: "nginx:1",
  revision: 42,
  restartCount: 3,
  code: "image_pull_failed",
  message: "denied",
  startedAt: new Date("2026-06-01T12:00:00Z"),
  dependsOn: [{
    service: "db",
    condition: "service_healthy",
    state: ReplicaState.REPLICA_STATE_DEGRADED,
    satisfied: false,
  }],
});

Deno.test("get replicas / replica: table columns, detail block with depends_on, json object", async () => {
  assert.equal(
    await renderReplicas([replica], "table"),
    "Replicas:\nREPLICA_ID  DEPLOYMENT  SERVICE  STATE    HOST  RESTARTS  IMAGE\n" +
      "shop-web-1  shop        web      PENDING  n2    3         nginx:1\n",
  );
  assert.equal(
    await renderReplica(replica, "table"),
    [
      "Replica:       shop-web-1",
      "Deployment:    shop",
      "Service:       web (index 1)",
      "State:         PENDING",
      "Host:          n2",
      "Image:         nginx:1",
      "Revision:      42",
      "Container:     abc",
      "Restarts:      3",
      "Last reason:   image_pull_failed denied",
      "Started at:    2026-06-01T12:00:00Z",
      "",
      "Depends on:",
      "SERVICE  CONDITION        STATE     SATISFIED",
      "db       service_healthy  DEGRADED  false",
      "",
    ].join("\n"),
  );
  const json = JSON.parse(await renderReplica(replica, "json"));
  assert.equal(json.state, "pending");
  assert.deepEqual(json.depends_on, [{
    service: "db",
    condition: "service_healthy",
    state: "degraded",
    satisfied: false,
  }]);
  assert.equal("last_health_at" in json, false);
});

Deno.test("get routes / route: / for the catch-all, yes/no flags, READY ratio, json shape", async () => {
  const routes = [
    Route.fromPartial({ domain: "b.test", path: "", deployment: "d", service: "web", port: 80 }),
    Route.fromPartial({
      domain: "a.test",
      path: "/api",
      deployment: "d",
      service: "api",
      port: 81,
      tlsAuto: true,
      stripPath: true,
    }),
  ];
  assert.equal(
    await renderRoutes(routes, "table"),
    "Routes:\nDOMAIN  PATH  DEPLOYMENT  SERVICE  PORT  TLS   STRIP_PATH\n" +
      "a.test  /api  d           api      81    auto  true\nb.test  /     d           web      80    off   false\n",
  );
  assert.equal(JSON.parse(await renderRoutes(routes, "json"))[1].path, "");
  const realized = GetRouteResponse.fromPartial({
    domain: "a.test",
    routes: [
      {
        path: "/api",
        service: "api",
        port: 81,
        deployment: "d",
        stripPath: true,
        readyReplicas: 1,
        totalReplicas: 2,
      },
      {
        path: "",
        catchAll: true,
        service: "web",
        port: 80,
        deployment: "d",
        readyReplicas: 0,
        totalReplicas: 0,
      },
    ],
  });
  assert.equal(
    await renderRoute(realized, "table"),
    "Routes for a.test:\nPATH  SERVICE  PORT  TLS  STRIP  FALLBACK  READY\n" +
      "/api  api      81    off  yes    no        1/2\n/     web      80    off  no     yes       0/0\n",
  );
  const yaml = parse(await renderRoute(realized, "yaml"));
  assert.deepEqual(yaml.routes[1], {
    path: "",
    catch_all: true,
    deployment: "d",
    service: "web",
    port: 80,
    tls: "off",
    strip_path: false,
    ready_replicas: 0,
    total_replicas: 0,
  });
});
