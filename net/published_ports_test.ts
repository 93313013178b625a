import assert from "node:assert/strict";
import {
  Deployment,
  Node,
  ReplicaDesired,
  ReplicaObserved,
  ReplicaState,
  ServiceSpec,
  TCPRoute,
} from "../proto/mod.ts";
import {
  planPublishedPorts,
  type PortPlan,
  type PortSource,
  renderNatRuleset,
} from "./published_ports.ts";

interface Fixture {
  desired: ReplicaDesired[];
  observed: ReplicaObserved[];
  routes: TCPRoute[];
  nodes: string[];
}

function fixture(): Fixture {
  const place = (service: string, index: number, host: string) =>
    ReplicaDesired.fromPartial({ id: `web-${service}-${index}`, deployment: "web", service, host });
  const seen = (id: string, host: string, ip: string, network = "jaco_web__default") =>
    ReplicaObserved.fromPartial({
      id,
      host,
      state: ReplicaState.REPLICA_STATE_RUNNING,
      details: { [`ip.${network}`]: ip },
    });
  return {
    nodes: ["n1", "n2", "n3"],
    desired: [
      place("api", 1, "n1"),
      place("api", 2, "n2"),
      place("api", 3, "n2"),
      place("db", 1, "n3"),
    ],
    observed: [
      seen("web-api-1", "n1", "10.244.0.2"),
      seen("web-api-2", "n2", "10.244.1.2"),
      seen("web-api-3", "n2", "10.244.1.3"),
      seen("web-db-1", "n3", "10.244.2.2", "jaco_web_back"),
    ],
    routes: [
      TCPRoute.fromPartial({
        publishedPort: 8080,
        deployment: "web",
        service: "api",
        containerPort: 80,
      }),
      TCPRoute.fromPartial({
        publishedPort: 5432,
        deployment: "web",
        service: "db",
        containerPort: 5432,
      }),
    ],
  };
}

function source(data: Fixture): PortSource {
  return {
    deployments: () => [
      Deployment.fromPartial({
        name: "web",
        services: [
          ServiceSpec.fromPartial({ name: "api", networks: [] }),
          ServiceSpec.fromPartial({ name: "db", networks: ["back"] }),
        ],
      }),
    ],
    replicasDesired: () => data.desired,
    replicasObserved: () => data.observed,
    nodes: () => data.nodes.map((hostname) => Node.fromPartial({ hostname })),
    tcpRoutes: () => data.routes,
  };
}

Deno.test("planPublishedPorts() prefers local replicas (source kept), else every remote one (masqueraded), sorted by port", () => {
  assert.deepEqual(planPublishedPorts(source(fixture()), { self: "n2" }), [
    {
      port: 5432,
      containerPort: 5432,
      deployment: "web",
      service: "db",
      targets: ["10.244.2.2"],
      local: false,
    },
    {
      port: 8080,
      containerPort: 80,
      deployment: "web",
      service: "api",
      targets: ["10.244.1.2", "10.244.1.3"],
      local: true,
    },
  ]);
  const fromN3 = planPublishedPorts(source(fixture()), { self: "n3" });
  assert.deepEqual(fromN3.map((plan) => [plan.port, plan.targets, plan.local]), [
    [5432, ["10.244.2.2"], true],
    [8080, ["10.244.0.2", "10.244.1.2", "10.244.1.3"], false],
  ]);
});

Deno.test("planPublishedPorts() follows health: unhealthy, re-pointed and dead-host replicas leave; none left → empty targets", () => {
  const data = fixture();
  data.observed[0] = { ...data.observed[0], state: ReplicaState.REPLICA_STATE_DEGRADED };
  data.desired[1] = { ...data.desired[1], host: "n3" };
  const plans = planPublishedPorts(source(data), { self: "n1", liveHosts: new Set(["n1", "n2"]) });
  assert.deepEqual(plans.map((plan) => [plan.port, plan.targets]), [
    [5432, []],
    [8080, ["10.244.1.3"]],
  ]);
});

const plans: PortPlan[] = [
  { port: 5432, containerPort: 5432, deployment: "w", service: "db", targets: [], local: false },
  {
    port: 8080,
    containerPort: 80,
    deployment: "w",
    service: "api",
    targets: ["10.244.1.2", "10.244.1.3"],
    local: true,
  },
  {
    port: 9000,
    containerPort: 90,
    deployment: "w",
    service: "x",
    targets: ["10.244.7.2"],
    local: false,
  },
];

Deno.test("renderNatRuleset() renders an atomic replacement: vmap of served ports, idle ports refused, marks, masquerade for remote", () => {
  const text = renderNatRuleset(plans);
  assert.ok(text.startsWith("table ip jaco_nat\ndelete table ip jaco_nat\ntable ip jaco_nat {\n"));
  assert.match(text, /elements = \{ 8080 : jump port_8080, 9000 : jump port_9000 \}/);
  assert.match(text, /set idle_ports \{\n {4}type inet_service\n {4}elements = \{ 5432 \}/);
  assert.match(text, /tcp dport @idle_ports reject with tcp reset/);
  assert.match(
    text,
    /chain port_8080 \{\n {4}meta l4proto tcp ct mark set 0x6a610001 dnat to numgen random mod 2 map \{ 0 : 10\.244\.1\.2, 1 : 10\.244\.1\.3 \}:80\n/,
  );
  assert.match(
    text,
    /chain port_9000 \{\n {4}meta l4proto tcp ct mark set 0x6a610002 dnat to 10\.244\.7\.2:90\n/,
  );
  assert.match(text, /ct mark 0x6a610002 masquerade/);
  assert.equal(
    text.match(/ip daddr != 127\.0\.0\.0\/8 fib daddr type local tcp dport vmap @ports/g)?.length,
    2,
  );
  assert.doesNotMatch(text, /port_5432/);
  assert.equal(renderNatRuleset(plans), text, "deterministic");
});

Deno.test("renderNatRuleset() with no published port only deletes the table", () => {
  assert.equal(renderNatRuleset([]), "table ip jaco_nat\ndelete table ip jaco_nat\n");
});
