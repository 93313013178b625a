import assert from "node:assert/strict";
import {
  Deployment,
  Node,
  ReplicaDesired,
  ReplicaObserved,
  ReplicaState,
  ServiceSpec,
} from "../proto/mod.ts";
import { type AnswerSource, buildAnswerSets, isIPv4, scopeKey } from "./dns_answers.ts";

interface Fixture {
  deployments: Deployment[];
  desired: ReplicaDesired[];
  observed: ReplicaObserved[];
  nodes: Node[];
}

function source(fixture: Fixture): AnswerSource {
  return {
    deployments: () => fixture.deployments,
    replicasDesired: () => fixture.desired,
    replicasObserved: () => fixture.observed,
    nodes: () => fixture.nodes,
  };
}

const running = ReplicaState.REPLICA_STATE_RUNNING;

/** web: api ×3 on _default + back, db on back; other: api ×1 on _default. */
function fixture(): Fixture {
  const replica = (deployment: string, service: string, index: number, host: string) =>
    ReplicaDesired.fromPartial({
      id: `${deployment}-${service}-${index}`,
      deployment,
      service,
      index,
      host,
    });
  const seen = (id: string, host: string, ips: Record<string, string>, state = running) =>
    ReplicaObserved.fromPartial({
      id,
      host,
      state,
      details: Object.fromEntries(Object.entries(ips).map(([net, ip]) => [`ip.${net}`, ip])),
    });
  return {
    nodes: ["n1", "n2", "n3"].map((hostname) => Node.fromPartial({ hostname })),
    deployments: [
      Deployment.fromPartial({
        name: "web",
        services: [
          ServiceSpec.fromPartial({ name: "api", networks: ["default", "back"] }),
          ServiceSpec.fromPartial({ name: "db", networks: ["back"] }),
        ],
      }),
      Deployment.fromPartial({
        name: "other",
        services: [ServiceSpec.fromPartial({ name: "api", networks: [] })],
      }),
    ],
    desired: [
      replica("web", "api", 1, "n1"),
      replica("web", "api", 2, "n2"),
      replica("web", "api", 3, "n3"),
      replica("web", "db", 1, "n2"),
      replica("other", "api", 1, "n1"),
    ],
    observed: [
      seen("web-api-1", "n1", { jaco_web__default: "10.244.0.2", jaco_web_back: "10.244.1.2" }),
      seen("web-api-2", "n2", { jaco_web__default: "10.244.2.2", jaco_web_back: "10.244.3.2" }),
      seen("web-api-3", "n3", { jaco_web__default: "10.244.4.2", jaco_web_back: "10.244.5.2" }),
      seen("web-db-1", "n2", { jaco_web_back: "10.244.3.3" }),
      seen("other-api-1", "n1", { jaco_other__default: "10.244.6.2" }),
    ],
  };
}

Deno.test("buildAnswerSets() scopes names per (deployment, network): another deployment's api is not visible", () => {
  const sets = buildAnswerSets(source(fixture()), { self: "n9" });
  assert.deepEqual(sets.get(scopeKey("web", "_default"))?.get("api"), [
    "10.244.0.2",
    "10.244.2.2",
    "10.244.4.2",
  ]);
  assert.deepEqual(sets.get(scopeKey("other", "_default"))?.get("api"), ["10.244.6.2"]);
  assert.equal(sets.get(scopeKey("web", "_default"))?.get("db"), undefined, "db not on _default");
  assert.deepEqual(sets.get(scopeKey("web", "back"))?.get("db"), ["10.244.3.3"]);
  assert.deepEqual([...sets.keys()].sort(), ["other/_default", "web/_default", "web/back"]);
});

Deno.test("buildAnswerSets() answers a service with the local replicas only when one runs on this node", () => {
  const sets = buildAnswerSets(source(fixture()), { self: "n2" });
  assert.deepEqual(sets.get("web/_default")?.get("api"), ["10.244.2.2"]);
  assert.deepEqual(sets.get("web/back")?.get("api"), ["10.244.3.2"]);
  // Replica names answer their own IP regardless of the local preference.
  assert.deepEqual(sets.get("web/_default")?.get("web-api-3"), ["10.244.4.2"]);
});

Deno.test("buildAnswerSets() drops a replica that is not running (degraded, pending, failed)", () => {
  for (
    const state of [
      ReplicaState.REPLICA_STATE_DEGRADED,
      ReplicaState.REPLICA_STATE_PENDING,
      ReplicaState.REPLICA_STATE_FAILED,
      ReplicaState.REPLICA_STATE_UPDATING,
    ]
  ) {
    const data = fixture();
    data.observed[1] = { ...data.observed[1], state };
    const sets = buildAnswerSets(source(data), { self: "n9" });
    assert.deepEqual(sets.get("web/_default")?.get("api"), ["10.244.0.2", "10.244.4.2"]);
    assert.equal(sets.get("web/_default")?.get("web-api-2"), undefined);
  }
});

Deno.test("buildAnswerSets() drops a replica re-pointed to another host, on a dead or departed host, or removed from routing", () => {
  const moved = fixture();
  moved.desired[0] = { ...moved.desired[0], host: "n3" };
  assert.deepEqual(buildAnswerSets(source(moved), { self: "n9" }).get("web/_default")?.get("api"), [
    "10.244.2.2",
    "10.244.4.2",
  ]);
  const departed = fixture();
  departed.nodes = departed.nodes.filter((node) => node.hostname !== "n3");
  assert.deepEqual(
    buildAnswerSets(source(departed), { self: "n9" }).get("web/_default")?.get("api"),
    ["10.244.0.2", "10.244.2.2"],
  );
  const dead = buildAnswerSets(source(fixture()), {
    self: "n1",
    liveHosts: new Set(["n1", "n2"]),
    removedFromRouting: new Set(["web-api-1"]),
  });
  assert.deepEqual(dead.get("web/_default")?.get("api"), ["10.244.2.2"]);
});

Deno.test("buildAnswerSets() skips missing or unparsable IPs and keeps empty scopes", () => {
  const data = fixture();
  data.observed = data.observed.map((entry) => ({
    ...entry,
    details: entry.id === "web-api-1"
      ? { "ip.jaco_web__default": "not-an-ip", "ip.jaco_web_back": "10.244.1.2" }
      : entry.id === "other-api-1"
      ? {}
      : entry.details,
  }));
  const sets = buildAnswerSets(source(data), { self: "n1" });
  assert.deepEqual(sets.get("web/_default")?.get("api"), ["10.244.2.2", "10.244.4.2"]);
  assert.deepEqual(sets.get("web/back")?.get("api"), ["10.244.1.2"]);
  assert.equal(sets.get("other/_default")?.size, 0);
});

Deno.test("isIPv4() accepts dotted quads only", () => {
  assert.equal(isIPv4("10.244.0.2"), true);
  for (const bad of ["10.244.0", "10.244.0.256", "fe80::1", "", "a.b.c.d"]) {
    assert.equal(isIPv4(bad), false, bad);
  }
});
