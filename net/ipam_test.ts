import assert from "node:assert/strict";
import type { JacoError } from "../proto/errors.ts";
import {
  canonicalNetwork,
  dueForFree,
  findSubnet,
  gatewayOf,
  nextFreeCidr,
  octetInPool,
  parsePool,
  scopesInUse,
  type SubnetRecord,
  unusedSubnets,
  utilization,
} from "./ipam.ts";

const pool = parsePool("10.244.0.0/16");
const key = { deployment: "web", network: "_default", host: "node-1" };

Deno.test("parsePool() accepts a /16 and names the field and prefix otherwise", () => {
  assert.deepEqual(parsePool("10.200.0.0/16"), { a: 10, b: 200 });
  assert.throws(() => parsePool("10.244.0.0/24"), (error: JacoError) => {
    assert.equal(error.code, "validation_failed");
    assert.match(error.message, /ipam_pool "10.244.0.0\/24" must be a \/16 \(got \/24\)/);
    return true;
  });
  assert.throws(() => parsePool("10.300.0.0/16"), /must be an IPv4 CIDR/);
  assert.throws(() => parsePool("fd00::/16"), /must be an IPv4 CIDR/);
});

Deno.test("nextFreeCidr() takes the lowest free third octet, across deployments and hosts", () => {
  assert.equal(nextFreeCidr(pool, [], key), "10.244.0.0/24");
  const held = [
    { cidr: "10.244.0.0/24" },
    { cidr: "10.244.1.0/24" },
    { cidr: "10.244.3.0/24" },
  ];
  assert.equal(nextFreeCidr(pool, held, key), "10.244.2.0/24");
});

Deno.test("nextFreeCidr() reuses a freed octet (the lowest hole) and ignores out-of-pool CIDRs", () => {
  const held = Array.from({ length: 10 }, (_, n) => ({ cidr: `10.244.${n}.0/24` }))
    .filter((subnet) => subnet.cidr !== "10.244.4.0/24" && subnet.cidr !== "10.244.7.0/24");
  assert.equal(nextFreeCidr(pool, held, key), "10.244.4.0/24");
  assert.equal(nextFreeCidr(pool, [{ cidr: "10.100.0.0/24" }], key), "10.244.0.0/24");
});

Deno.test("nextFreeCidr() allocates all 256 /24s without a collision, then is exhausted", () => {
  const held: { cidr: string }[] = [];
  for (let i = 0; i < 256; i++) held.push({ cidr: nextFreeCidr(pool, held, key) });
  assert.equal(new Set(held.map((subnet) => subnet.cidr)).size, 256);
  assert.equal(held[255].cidr, "10.244.255.0/24");
  assert.throws(
    () => nextFreeCidr(pool, held, { ...key, network: "default" }),
    (error: JacoError) => {
      assert.equal(error.code, "subnet_pool_exhausted");
      assert.deepEqual(error.details, {
        deployment: "web",
        network: "_default",
        host: "node-1",
        pool: "10.244.0.0/16",
      });
      assert.match(error.message, /no free \/24 for network "_default" of deployment "web"/);
      return true;
    },
  );
});

Deno.test("nextFreeCidr() is deterministic: the same state yields the same CIDR", () => {
  const held = [{ cidr: "10.244.5.0/24" }, { cidr: "10.244.0.0/24" }];
  assert.equal(nextFreeCidr(pool, held, key), nextFreeCidr(pool, [...held].reverse(), key));
});

Deno.test("octetInPool(), gatewayOf() and canonicalNetwork()", () => {
  assert.equal(octetInPool(pool, "10.244.17.0/24"), 17);
  assert.equal(octetInPool(pool, "10.245.17.0/24"), undefined);
  assert.equal(octetInPool(pool, "10.244.17.0/25"), undefined);
  assert.equal(gatewayOf("10.244.17.0/24"), "10.244.17.1");
  assert.equal(canonicalNetwork("default"), "_default");
  assert.equal(canonicalNetwork(""), "_default");
  assert.equal(canonicalNetwork("back"), "back");
});

Deno.test("findSubnet() matches the exact triple, default and _default as one network", () => {
  const subnets: SubnetRecord[] = [
    { ...key, cidr: "10.244.0.0/24" },
    { ...key, host: "node-2", cidr: "10.244.1.0/24" },
  ];
  assert.equal(findSubnet(subnets, { ...key, network: "default" })?.cidr, "10.244.0.0/24");
  assert.equal(findSubnet(subnets, { ...key, host: "node-2" })?.cidr, "10.244.1.0/24");
  assert.equal(findSubnet(subnets, { ...key, host: "node-3" }), undefined);
  assert.equal(findSubnet(subnets, { ...key, deployment: "api" }), undefined);
});

Deno.test("utilization() warns at 75 % and errors at 90 %", () => {
  assert.equal(utilization(191).level, "info");
  assert.equal(utilization(192).level, "warn");
  assert.equal(utilization(230).level, "warn");
  assert.equal(utilization(231).level, "error");
});

Deno.test("scopesInUse() + unusedSubnets(): dropped networks, empty hosts and legacy records", () => {
  const deployments = [{
    name: "shop",
    services: [
      { name: "web", networks: ["front", "back"] },
      { name: "db", networks: ["back"] },
      { name: "cron", networks: [] },
    ],
  }];
  const replicas = [
    { deployment: "shop", service: "web", host: "node-1" },
    { deployment: "shop", service: "db", host: "node-2" },
    { deployment: "shop", service: "cron", host: "node-2" },
  ];
  const inUse = scopesInUse(deployments, replicas);
  const subnets: SubnetRecord[] = [
    { deployment: "shop", network: "front", host: "node-1", cidr: "10.244.0.0/24" },
    { deployment: "shop", network: "back", host: "node-1", cidr: "10.244.1.0/24" },
    { deployment: "shop", network: "back", host: "node-2", cidr: "10.244.2.0/24" },
    { deployment: "shop", network: "_default", host: "node-2", cidr: "10.244.3.0/24" },
    // No replica of a front-attached service on node-2 (host without replicas of the scope).
    { deployment: "shop", network: "front", host: "node-2", cidr: "10.244.4.0/24" },
    // Network dropped from the deployment.
    { deployment: "shop", network: "old", host: "node-1", cidr: "10.244.5.0/24" },
    // Deployment gone.
    { deployment: "gone", network: "_default", host: "node-1", cidr: "10.244.6.0/24" },
    // Legacy per-scope record.
    { deployment: "shop", network: "back", host: "", cidr: "10.244.7.0/24" },
  ];
  assert.deepEqual(
    unusedSubnets(subnets, inUse).map((subnet) => subnet.cidr),
    ["10.244.4.0/24", "10.244.5.0/24", "10.244.6.0/24", "10.244.7.0/24"],
  );
});

Deno.test("dueForFree() frees only after the grace period, forgets subnets used again", () => {
  const firstUnused = new Map<string, number>();
  const a = { deployment: "d", network: "n", host: "h1" };
  const b = { deployment: "d", network: "n", host: "h2" };
  const legacy = { deployment: "d", network: "n", host: "" };
  assert.deepEqual(dueForFree([a, b, legacy], firstUnused, 1000, 30_000), [legacy]);
  assert.deepEqual(dueForFree([a, b], firstUnused, 30_999, 30_000), []);
  // b is used again at 31 s: its clock restarts when it becomes unused later.
  assert.deepEqual(dueForFree([a], firstUnused, 31_000, 30_000), [a]);
  assert.deepEqual(dueForFree([a, b], firstUnused, 40_000, 30_000), [a]);
  assert.deepEqual(dueForFree([a, b], firstUnused, 70_000, 30_000), [a, b]);
  assert.equal(firstUnused.size, 2);
});
