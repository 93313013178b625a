import assert from "node:assert/strict";
import { NetKit, until } from "./_kit_test.ts";
import { startIpamLoop } from "./ipam_loop.ts";

async function place(kit: NetKit, id: string, deployment: string, service: string, host: string) {
  await kit.apply({
    $case: "replicaDesiredUpsert",
    value: { replica: { id, deployment, service, index: 0, host, image: "img:1" } } as never,
  });
}

async function allocate(kit: NetKit, deployment: string, network: string, host: string, n: number) {
  await kit.apply({
    $case: "subnetAllocate",
    value: { deployment, network, host, cidr: `10.244.${n}.0/24` },
  });
}

function held(kit: NetKit): string[] {
  return kit.state.view().subnets().map((s) => `${s.deployment}/${s.network}/${s.host || "-"}`)
    .sort();
}

Deno.test("ipam loop: frees dropped networks and hosts without replicas after the grace, on the leader", async () => {
  const kit = new NetKit();
  let now = 1_000_000;
  await kit.deploy("shop", { web: ["front", "back"], db: ["back"] });
  await place(kit, "shop-web-0", "shop", "web", "a");
  await place(kit, "shop-db-0", "shop", "db", "b");
  await allocate(kit, "shop", "front", "a", 0);
  await allocate(kit, "shop", "back", "a", 1);
  await allocate(kit, "shop", "back", "b", 2);
  await allocate(kit, "shop", "front", "b", 3); // no front-attached replica on b
  await allocate(kit, "shop", "old", "a", 4); // network not in the deployment
  // A legacy per-scope record beside per-host ones is kept (freeing it would free them too).
  await allocate(kit, "shop", "back", "", 5);
  // A legacy record alone is freed at once.
  await allocate(kit, "solo", "_default", "", 6);
  kit.role = "follower";
  const controller = new AbortController();
  const loop = startIpamLoop({
    state: kit.state,
    raft: { status: () => ({ role: kit.role }) },
    submit: (payload, identity) => kit.apply(payload, identity),
    log: kit.log,
    now: () => new Date(now),
    signal: controller.signal,
  }, { graceMs: 30_000, tickMs: 20, debounceMs: 5 });
  try {
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(kit.state.view().subnets().length, 7, "a follower frees nothing");
    kit.role = "leader";
    await until("the legacy record freed", () => !held(kit).includes("solo/_default/-"));
    assert.deepEqual(held(kit), [
      "shop/back/-",
      "shop/back/a",
      "shop/back/b",
      "shop/front/a",
      "shop/front/b",
      "shop/old/a",
    ]);
    now += 30_000;
    await until("unused subnets freed", () => held(kit).length === 4);
    assert.deepEqual(held(kit), ["shop/back/-", "shop/back/a", "shop/back/b", "shop/front/a"]);
    assert.ok(kit.submitted.includes("scheduler subnetFree"));
    // The db replica leaves host b: b's back /24 goes after another grace, not before.
    await kit.apply({ $case: "replicaDesiredRemove", value: { id: "shop-db-0" } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(held(kit).includes("shop/back/b"));
    now += 30_000;
    await until("b's back freed", () => !held(kit).includes("shop/back/b"));
    assert.deepEqual(held(kit), ["shop/back/-", "shop/back/a", "shop/front/a"]);
  } finally {
    controller.abort();
    await loop.stop();
  }
});
