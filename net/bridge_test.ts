import assert from "node:assert/strict";
import {
  bridgeDecision,
  bridgeNameOf,
  dockerNetworkOf,
  h4,
  networkCreateBody,
  networksToRemove,
} from "./bridge.ts";

const target = {
  clusterId: "c1",
  deployment: "shop",
  network: "default",
  host: "node-1",
  cidr: "10.244.3.0/24",
};

Deno.test("bridgeNameOf() is jaco-<h4(dep)>-<h4(net)> within the 15-char limit", () => {
  // `printf shop | sha1sum` = 5042d1…, `printf _default | sha1sum` = 9e7414….
  assert.equal(h4("shop"), "5042");
  assert.equal(bridgeNameOf("shop", "default"), "jaco-5042-9e74");
  assert.equal(bridgeNameOf("shop", "default"), bridgeNameOf("shop", "_default"));
  const long = bridgeNameOf("a-very-long-deployment-name", "a-very-long-network-name");
  assert.ok(long.length <= 15, long);
  assert.match(long, /^jaco-[0-9a-f]{4}-[0-9a-f]{4}$/);
  assert.notEqual(bridgeNameOf("shop", "front"), bridgeNameOf("shop", "back"));
});

Deno.test("dockerNetworkOf() canonicalizes the default network", () => {
  assert.equal(dockerNetworkOf("web", "default"), "jaco_web__default");
  assert.equal(dockerNetworkOf("web", "back"), "jaco_web_back");
});

Deno.test("networkCreateBody() has the labels, one IPAM config with gateway .1, name and MTU", () => {
  assert.deepEqual(networkCreateBody(target), {
    Name: "jaco_shop__default",
    Driver: "bridge",
    CheckDuplicate: true,
    Labels: {
      "jaco.cluster_id": "c1",
      "jaco.deployment": "shop",
      "jaco.network": "_default",
      "jaco.host": "node-1",
      "jaco.subnet": "10.244.3.0/24",
    },
    IPAM: { Driver: "default", Config: [{ Subnet: "10.244.3.0/24", Gateway: "10.244.3.1" }] },
    Options: {
      "com.docker.network.bridge.name": bridgeNameOf("shop", "_default"),
      "com.docker.network.driver.mtu": "1420",
    },
  });
});

Deno.test("bridgeDecision(): create, reuse, refuse operator networks, recreate on drift", () => {
  const body = networkCreateBody(target);
  const live = { Name: body.Name, Labels: body.Labels, IPAM: body.IPAM, Options: body.Options };
  assert.equal(bridgeDecision(undefined, target), "create");
  assert.equal(bridgeDecision(live, target), "reuse");
  assert.equal(bridgeDecision({ Name: body.Name, Labels: { owner: "ops" } }, target), "refuse");
  assert.equal(bridgeDecision({ Name: body.Name, Labels: null }, target), "refuse");
  assert.equal(bridgeDecision(live, { ...target, cidr: "10.244.4.0/24" }), "recreate");
  assert.equal(bridgeDecision(live, { ...target, clusterId: "c2" }), "recreate");
  assert.equal(bridgeDecision(live, { ...target, host: "node-2" }), "recreate");
  // The plain per-host network of the runtime (no IPAM config of ours, no bridge name).
  const plain = {
    Name: body.Name,
    Labels: { "jaco.cluster_id": "c1", "jaco.deployment": "shop", "jaco.network": "_default" },
    IPAM: { Config: [{ Subnet: "172.18.0.0/16" }] },
    Options: {},
  };
  assert.equal(bridgeDecision(plain, target), "recreate");
});

Deno.test("networksToRemove() keeps networks with a subnet, other clusters/hosts and operator ones", () => {
  const labels = (deployment: string, network: string, extra: Record<string, string> = {}) => ({
    "jaco.cluster_id": "c1",
    "jaco.deployment": deployment,
    "jaco.network": network,
    "jaco.host": "node-1",
    "jaco.subnet": "10.244.0.0/24",
    ...extra,
  });
  const listed = [
    { Id: "1", Name: "jaco_shop__default", Labels: labels("shop", "_default") },
    { Id: "2", Name: "jaco_shop_old", Labels: labels("shop", "old") },
    { Id: "3", Name: "jaco_gone__default", Labels: labels("gone", "_default") },
    { Id: "4", Name: "jaco_x__default", Labels: labels("x", "_default", { "jaco.host": "n2" }) },
    {
      Id: "5",
      Name: "jaco_y__default",
      Labels: labels("y", "_default", { "jaco.cluster_id": "c0" }),
    },
    { Id: "6", Name: "ops", Labels: { "jaco.cluster_id": "c1" } },
    { Id: "7", Name: "bridge", Labels: null },
  ];
  const keep = new Set(["shop\u0000_default"]);
  assert.deepEqual(networksToRemove(listed, "c1", "node-1", keep).map((n) => n.Id), ["2", "3"]);
});
