import assert from "node:assert/strict";
import { JacoError } from "../../proto/errors.ts";
import { EnsureSubnetRequest } from "../../proto/mod.ts";
import { NetKit } from "./_kit_test.ts";
import { SubnetAllocator, subnetService } from "./ensure_subnet.ts";

function allocator(kit: NetKit, pool = "10.244.0.0/16") {
  return new SubnetAllocator({
    pool: () => pool,
    view: () => kit.state.view(),
    isLeader: () => kit.role === "leader",
    submit: (payload, identity) => kit.apply(payload, identity),
    log: () => kit.log,
  });
}

Deno.test("SubnetAllocator: one /24 per (deployment, network, host), idempotent, in state", async () => {
  const kit = new NetKit();
  const ipam = allocator(kit);
  const a1 = await ipam.allocate({ deployment: "shop", network: "front", host: "a" });
  const b1 = await ipam.allocate({ deployment: "shop", network: "front", host: "b" });
  const a2 = await ipam.allocate({ deployment: "shop", network: "back", host: "a" });
  const other = await ipam.allocate({ deployment: "blog", network: "default", host: "a" });
  assert.deepEqual([a1, b1, a2, other], [
    "10.244.0.0/24",
    "10.244.1.0/24",
    "10.244.2.0/24",
    "10.244.3.0/24",
  ]);
  assert.equal(await ipam.allocate({ deployment: "shop", network: "front", host: "b" }), b1);
  assert.equal(await ipam.allocate({ deployment: "blog", network: "_default", host: "a" }), other);
  const view = kit.state.view();
  assert.equal(view.subnets().length, 4);
  assert.equal(view.subnet("blog", "_default", "a")?.cidr, other);
  assert.ok(view.subnet("blog", "_default", "a")?.allocatedAt instanceof Date);
  assert.deepEqual(kit.submitted, Array(4).fill("scheduler subnetAllocate"));
});

Deno.test("SubnetAllocator: concurrent allocations are serialized and collision-free", async () => {
  const kit = new NetKit();
  // Submit resolves on a later tick, as raft does: without the mutex two calls would race.
  const slow = new SubnetAllocator({
    pool: () => "10.244.0.0/16",
    view: () => kit.state.view(),
    isLeader: () => true,
    submit: async (payload, identity) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return kit.apply(payload, identity);
    },
    log: () => kit.log,
  });
  const keys = Array.from({ length: 40 }, (_, i) => ({
    deployment: `d${i % 5}`,
    network: `n${i % 4}`,
    host: `h${i % 3}`,
  }));
  const cidrs = await Promise.all(keys.map((key) => slow.allocate(key)));
  const distinct = new Set(kit.state.view().subnets().map((subnet) => subnet.cidr));
  assert.equal(distinct.size, kit.state.view().subnets().length);
  // Same triple → same CIDR; 5×4×3 = 60 triples but only 40 keys, of which these are distinct:
  const triples = new Set(keys.map((key) => `${key.deployment}/${key.network}/${key.host}`));
  assert.equal(distinct.size, triples.size);
  for (const [i, key] of keys.entries()) {
    assert.equal(kit.state.view().subnet(key.deployment, key.network, key.host)?.cidr, cidrs[i]);
  }
});

Deno.test("SubnetAllocator: missing fields, not leader, exhaustion (typed, logged, nothing written)", async () => {
  const kit = new NetKit();
  const ipam = allocator(kit);
  await assert.rejects(
    ipam.allocate({ deployment: "shop", network: "front", host: "" }),
    (error: JacoError) =>
      error.code === "validation_failed" && /host is required/.test(error.message),
  );
  kit.role = "follower";
  await assert.rejects(
    ipam.allocate({ deployment: "shop", network: "front", host: "a" }),
    (error: JacoError) => error.code === "no_leader",
  );
  kit.role = "leader";
  for (let n = 0; n < 256; n++) {
    await kit.apply({
      $case: "subnetAllocate",
      value: { deployment: "fill", network: "n", host: `h${n}`, cidr: `10.244.${n}.0/24` },
    });
  }
  const before = kit.index;
  await assert.rejects(
    ipam.allocate({ deployment: "shop", network: "front", host: "a" }),
    (error: JacoError) => {
      assert.ok(error instanceof JacoError);
      assert.equal(error.code, "subnet_pool_exhausted");
      assert.equal(error.details.host, "a");
      return true;
    },
  );
  assert.equal(kit.index, before);
  assert.ok(kit.logs.includes("error ipam pool exhausted"), kit.logs.join("\n"));
  // Freeing one /24 makes it the next allocation.
  await kit.apply({ $case: "subnetFree", value: { deployment: "fill", network: "n", host: "h7" } });
  assert.equal(
    await ipam.allocate({ deployment: "shop", network: "front", host: "a" }),
    "10.244.7.0/24",
  );
});

Deno.test("SubnetAllocator: utilization WARN at 75 %, ERROR at 90 %", async () => {
  const kit = new NetKit();
  const ipam = allocator(kit);
  for (let n = 0; n < 191; n++) {
    await kit.apply({
      $case: "subnetAllocate",
      value: { deployment: "fill", network: "n", host: `h${n}`, cidr: `10.244.${n}.0/24` },
    });
  }
  await ipam.allocate({ deployment: "x", network: "n", host: "a" }); // 192 = 75 %
  assert.equal(kit.logs.at(-1), "warn subnet_pool_utilization high");
  for (let n = 192; n < 230; n++) {
    await kit.apply({
      $case: "subnetAllocate",
      value: { deployment: "fill", network: "n", host: `h${n}`, cidr: `10.244.${n}.0/24` },
    });
  }
  await ipam.allocate({ deployment: "x", network: "n", host: "b" }); // 231 ≥ 90 %
  assert.equal(kit.logs.at(-1), "error subnet_pool_utilization critical");
});

Deno.test("subnetService: the leader allocates locally; a follower forwards once; a forwarded call stops", async () => {
  const kit = new NetKit();
  await kit.apply({
    $case: "nodeJoin",
    value: { hostname: "lead", address: "10.0.0.1:7000" } as never,
  });
  await kit.apply({
    $case: "nodeUpdateSelf",
    value: { hostname: "lead", grpcAddress: "10.0.0.1:7001" } as never,
  });
  const calls: string[] = [];
  const service = subnetService({
    pool: () => "10.244.0.0/16",
    raft: () => ({ status: () => ({ role: kit.role, leader: "lead" }) }),
    view: () => kit.state.view(),
    isLeader: () => kit.role === "leader",
    submit: (payload, identity) => kit.apply(payload, identity),
    call: <R>(address: string, path: string, request: unknown) => {
      calls.push(
        `${address} ${path} ${JSON.stringify(EnsureSubnetRequest.toJSON(request as never))}`,
      );
      return Promise.resolve({ cidr: "10.244.9.0/24" } as R);
    },
    log: () => kit.log,
  });
  assert.equal(await service.ensure({ deployment: "d", network: "n", host: "a" }), "10.244.0.0/24");
  assert.deepEqual(calls, []);
  kit.role = "follower";
  assert.equal(await service.ensure({ deployment: "d", network: "n", host: "b" }), "10.244.9.0/24");
  assert.equal(calls.length, 1);
  assert.match(calls[0], /^10\.0\.0\.1:7001 \/jaco\.v1\.Internal\/EnsureSubnet .*"host":"b"/);
  await assert.rejects(
    service.rpc(
      EnsureSubnetRequest.fromPartial({ deployment: "d", network: "n", host: "c" }),
      true,
    ),
    (error: JacoError) => error.code === "no_leader",
  );
});
