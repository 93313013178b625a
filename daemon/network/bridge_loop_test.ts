import assert from "node:assert/strict";
import type { BridgeTarget, ListedNetwork } from "../../net/mod.ts";
import { networkCreateBody } from "../../net/mod.ts";
import { NetKit, until } from "./_kit_test.ts";
import { startBridgeLoop } from "./bridge_loop.ts";
import { LocalNetworks } from "./local_networks.ts";

/** An in-memory Docker: networks by id, some with containers attached. */
class FakeBridges {
  networks = new Map<string, ListedNetwork>();
  attached = new Set<string>();
  ensured: BridgeTarget[] = [];

  ensure(target: BridgeTarget): Promise<string> {
    this.ensured.push(target);
    const body = networkCreateBody(target);
    this.networks.set(body.Name, { Id: body.Name, Name: body.Name, Labels: body.Labels });
    return Promise.resolve(body.Name);
  }
  list(): Promise<ListedNetwork[]> {
    return Promise.resolve([...this.networks.values()]);
  }
  remove(id: string): Promise<boolean> {
    if (this.attached.has(id)) return Promise.resolve(false);
    this.networks.delete(id);
    return Promise.resolve(true);
  }
}

Deno.test("LocalNetworks: subnet from state or the leader, bridge per network, gateways in order", async () => {
  const kit = new NetKit();
  await kit.apply({
    $case: "subnetAllocate",
    value: { deployment: "shop", network: "back", host: "a", cidr: "10.244.4.0/24" },
  });
  const asked: string[] = [];
  const bridges = new FakeBridges();
  const networks = new LocalNetworks({
    nodeName: "a",
    view: () => kit.state.view(),
    ensureSubnet: (key) => {
      asked.push(`${key.deployment}/${key.network}/${key.host}`);
      return Promise.resolve("10.244.9.0/24");
    },
    bridges,
  });
  assert.deepEqual(
    await networks.prepare({ clusterId: "c1", deployment: "shop", networks: ["front", "back"] }),
    ["10.244.9.1", "10.244.4.1"],
  );
  assert.deepEqual(asked, ["shop/front/a"]);
  assert.deepEqual(bridges.ensured.map((t) => `${t.network} ${t.cidr} ${t.host} ${t.clusterId}`), [
    "front 10.244.9.0/24 a c1",
    "back 10.244.4.0/24 a c1",
  ]);
  assert.deepEqual(await networks.prepare({ clusterId: "c1", deployment: "x", networks: [] }), [
    "10.244.9.1",
  ]);
  assert.deepEqual(asked.at(-1), "x/_default/a");
});

Deno.test("bridge loop: removes this host's bridges without a subnet once nothing is attached", async () => {
  const kit = new NetKit();
  await kit.apply({ $case: "clusterInit", value: { clusterId: "c1" } as never });
  assert.equal(kit.state.view().clusterMeta()?.clusterId, "c1");
  const bridges = new FakeBridges();
  const keep = { clusterId: "c1", deployment: "shop", network: "_default", host: "a" };
  for (
    const target of [
      { ...keep, cidr: "10.244.0.0/24" },
      { ...keep, network: "old", cidr: "10.244.1.0/24" },
      { ...keep, deployment: "gone", cidr: "10.244.2.0/24" },
      { ...keep, deployment: "other-host", host: "b", cidr: "10.244.3.0/24" },
    ]
  ) await bridges.ensure(target);
  await kit.apply({ $case: "subnetAllocate", value: { ...keep, cidr: "10.244.0.0/24" } });
  bridges.attached.add("jaco_gone__default");
  const controller = new AbortController();
  const loop = startBridgeLoop({
    nodeName: "a",
    state: kit.state,
    log: kit.log,
    signal: controller.signal,
  }, { bridges, tickMs: 20, debounceMs: 5 });
  try {
    await until("old removed", () => !bridges.networks.has("jaco_shop_old"));
    assert.ok(bridges.networks.has("jaco_gone__default"), "attached: kept");
    bridges.attached.clear();
    await until("gone removed", () => !bridges.networks.has("jaco_gone__default"));
    assert.deepEqual([...bridges.networks.keys()].sort(), [
      "jaco_other-host__default",
      "jaco_shop__default",
    ]);
    // Deleting the deployment frees its subnets in the FSM: the bridge follows.
    await kit.apply({ $case: "deploymentDelete", value: { deployment: "shop" } as never });
    await until("shop removed", () => !bridges.networks.has("jaco_shop__default"));
    assert.ok(kit.logs.includes("info bridge removed"));
  } finally {
    controller.abort();
    await loop.stop();
  }
});
