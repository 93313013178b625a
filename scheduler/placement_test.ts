import assert from "node:assert/strict";
import { ServiceSpec_PlacementMode as Mode } from "../proto/mod.ts";
import { Harness } from "./_kit_test.ts";
import { plan } from "./plan.ts";
import { fnv1a32, packHost, sanitizeHostname, spreadHost } from "./placement.ts";

Deno.test("fnv1a32() matches the reference vectors", () => {
  assert.equal(fnv1a32(""), 0x811c9dc5);
  assert.equal(fnv1a32("a"), 0xe40c292c);
  assert.equal(fnv1a32("foobar"), 0xbf9cf968);
});

Deno.test("spreadHost() picks among the least loaded, preferring the preferred host", () => {
  const counts = new Map([["a", 1], ["b", 0], ["c", 0]]);
  assert.ok(["b", "c"].includes(spreadHost(["a", "b", "c"], counts, "x-0")!));
  assert.equal(spreadHost(["a", "b", "c"], counts, "x-0", "c"), "c");
  assert.notEqual(spreadHost(["a", "b", "c"], counts, "x-0", "a"), "a");
  assert.equal(spreadHost([], counts, "x-0"), undefined);
});

Deno.test("packHost() joins the service's fullest host, else the least-loaded one, ties by name", () => {
  const load = new Map([["a", 2], ["b", 1], ["c", 1]]);
  assert.equal(packHost(["a", "b", "c"], new Map(), load), "b");
  assert.equal(packHost(["a", "b", "c"], new Map([["c", 1]]), load), "c");
  assert.equal(packHost(["a", "b", "c"], new Map([["a", 1], ["c", 2]]), load), "c");
  assert.equal(packHost(["a", "b"], new Map([["c", 3]]), load), "b", "only eligible hosts count");
  assert.equal(packHost([], new Map(), load), undefined);
});

Deno.test("sanitizeHostname() maps characters outside [A-Za-z0-9_.-] to -", () => {
  assert.equal(sanitizeHostname("node_1.example:7 x"), "node_1.example-7-x");
});

Deno.test("plan() spread never puts two replicas on one host while another has none", () => {
  for (const replicas of [1, 2, 3, 4, 5, 7]) {
    const h = new Harness();
    h.nodes("a", "b", "c", "d", "e");
    h.deploy("shop", [{ name: "web", replicas }]);
    h.settle();
    const counts = [...h.perHost("shop", "web").values()];
    assert.equal(counts.reduce((sum, n) => sum + n, 0), replicas);
    const empty = 5 - counts.length;
    if (empty > 0) assert.ok(counts.every((n) => n === 1), `replicas=${replicas}: ${counts}`);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1 || empty > 0);
  }
});

Deno.test("plan() is deterministic: same input, same commands", () => {
  const h = new Harness();
  h.nodes("a", "b", "c");
  h.deploy("shop", [{ name: "web", replicas: 3 }, { name: "db", replicas: 2 }]);
  const input = { view: h.state.view(), now: h.now, liveHosts: h.live };
  const first = plan(input);
  assert.ok(first.commands.length > 0);
  assert.deepEqual(plan(input), first);
});

Deno.test("plan() ids use the ReplicaCounter, never reused after scale-down and up", () => {
  const h = new Harness();
  h.nodes("a", "b", "c");
  h.deploy("shop", [{ name: "web", replicas: 3 }]);
  h.settle();
  assert.deepEqual(Object.keys(h.placement("shop", "web")).sort(), [
    "shop-web-0",
    "shop-web-1",
    "shop-web-2",
  ]);
  assert.equal(h.state.view().replicaCounter("shop", "web")?.nextIndex, 3);
  h.deploy("shop", [{ name: "web", replicas: 1 }]);
  h.settle();
  assert.deepEqual(Object.keys(h.placement("shop", "web")), ["shop-web-0"], "highest first");
  h.deploy("shop", [{ name: "web", replicas: 2 }]);
  h.settle();
  assert.deepEqual(Object.keys(h.placement("shop", "web")).sort(), ["shop-web-0", "shop-web-3"]);
});

Deno.test("plan() keeps replicas sticky when nodes join", () => {
  const h = new Harness();
  h.nodes("a", "b");
  h.deploy("shop", [{ name: "web", replicas: 2 }]);
  h.converge();
  const before = h.placement("shop", "web");
  h.nodes("c", "d");
  h.converge();
  assert.deepEqual(h.placement("shop", "web"), before);
});

Deno.test("plan() pack fills the least-loaded host, counting every service", () => {
  const h = new Harness();
  h.nodes("a", "b");
  h.deploy("shop", [{ name: "db", replicas: 1 }]);
  h.settle();
  const dbHost = Object.values(h.placement("shop", "db"))[0];
  h.deploy("shop", [{ name: "db", replicas: 1 }, {
    name: "cache",
    replicas: 1,
    placement: Mode.PLACEMENT_MODE_PACK,
  }]);
  h.settle();
  assert.notEqual(Object.values(h.placement("shop", "cache"))[0], dbHost);
});

Deno.test("plan() pack keeps every replica of the service on one host, and scales up there", () => {
  const h = new Harness();
  h.nodes("a", "b", "c");
  h.deploy("shop", [{ name: "api", replicas: 3, placement: Mode.PLACEMENT_MODE_PACK }]);
  h.settle();
  const hosts = new Set(Object.values(h.placement("shop", "api")));
  assert.equal(hosts.size, 1, `3 pack replicas on one host, not ${[...hosts]}`);
  h.deploy("shop", [{ name: "api", replicas: 5, placement: Mode.PLACEMENT_MODE_PACK }]);
  h.settle();
  assert.deepEqual(new Set(Object.values(h.placement("shop", "api"))), hosts);
});

Deno.test("plan() hosts places on distinct listed hosts, pending when too few", () => {
  const h = new Harness();
  h.nodes("a", "b", "c");
  h.deploy("shop", [{
    name: "db",
    replicas: 2,
    placement: Mode.PLACEMENT_MODE_HOSTS,
    hosts: ["b", "c"],
  }]);
  h.settle();
  assert.deepEqual(Object.values(h.placement("shop", "db")).sort(), ["b", "c"]);
  h.deploy("shop", [{
    name: "db",
    replicas: 3,
    placement: Mode.PLACEMENT_MODE_HOSTS,
    hosts: ["b", "c"],
  }]);
  h.settle();
  const deployment = h.state.view().deployment("shop")!;
  assert.equal(deployment.status, 1, "pending");
  assert.match(
    deployment.statusDetails.reason,
    /only 2 eligible host\(s\) but 3 replicas requested/,
  );
  assert.equal(Object.keys(h.placement("shop", "db")).length, 2, "nothing written");
});

Deno.test("plan() global runs one replica per eligible host, keyed by hostname", () => {
  const h = new Harness();
  h.nodes("a", "b");
  h.deploy("shop", [{ name: "agent", placement: Mode.PLACEMENT_MODE_GLOBAL }]);
  h.settle();
  assert.deepEqual(h.placement("shop", "agent"), { "shop-agent-a": "a", "shop-agent-b": "b" });
  h.nodes("c");
  h.settle();
  assert.deepEqual(Object.keys(h.placement("shop", "agent")).length, 3);
  h.live.delete("b");
  h.settle();
  assert.deepEqual(h.placement("shop", "agent"), { "shop-agent-a": "a", "shop-agent-c": "c" });
});

Deno.test("plan() removes replicas of retired services and keeps their counters", () => {
  const h = new Harness();
  h.nodes("a");
  h.deploy("shop", [{ name: "web" }, { name: "old" }]);
  h.settle();
  h.deploy("shop", [{ name: "web" }]);
  h.settle();
  assert.deepEqual(h.placement("shop", "old"), {});
  assert.equal(h.state.view().replicaCounter("shop", "old")?.nextIndex, 1);
});
