import assert from "node:assert/strict";
import { ReplicaState } from "../../proto/mod.ts";
import { NetKit, until } from "./_kit_test.ts";
import { startPortsLoop } from "./ports_loop.ts";

class FakeNft {
  applied: string[] = [];
  dockerUser = 0;
  table: string | undefined;
  apply(ruleset: string): Promise<void> {
    this.applied.push(ruleset);
    this.table = ruleset.includes("{") ? ruleset : undefined;
    return Promise.resolve();
  }
  listed = 0;
  list(): Promise<string | undefined> {
    this.listed++;
    return Promise.resolve(this.table);
  }
  ensureDockerUser(): Promise<void> {
    this.dockerUser++;
    return Promise.resolve();
  }
}

async function setup(kit: NetKit): Promise<void> {
  await kit.apply({ $case: "nodeJoin", value: { hostname: "n1" } as never });
  await kit.apply({
    $case: "deploymentApply",
    value: {
      deployment: "web",
      revision: 1,
      composeYaml: new TextEncoder().encode("services: {}\n"),
      services: [{ name: "api", replicas: 1, networks: [] }],
      tcpRoutes: [{ publishedPort: 8080, deployment: "web", service: "api", containerPort: 80 }],
    } as never,
  });
  await kit.apply({
    $case: "replicaDesiredUpsert",
    value: {
      replica: { id: "web-api-1", deployment: "web", service: "api", index: 1, host: "n1" },
    } as never,
  });
}

function observe(kit: NetKit, state: ReplicaState) {
  return kit.apply({
    $case: "replicaObservedUpdate",
    value: {
      replica: {
        id: "web-api-1",
        host: "n1",
        state,
        details: { "ip.jaco_web__default": "10.244.0.2" },
      },
    } as never,
  });
}

Deno.test("ports loop: DNATs a published port to the healthy replica, refuses when none is, deletes the table on delete", async () => {
  const kit = new NetKit();
  const nft = new FakeNft();
  const controller = new AbortController();
  const loop = startPortsLoop({
    nodeName: "n1",
    state: kit.state,
    raft: { status: () => ({ role: "follower" }) } as never,
    log: kit.log,
    signal: controller.signal,
  }, { nft, enabled: () => Promise.resolve(true), debounceMs: 5, tickMs: 60_000 });
  const last = () => nft.applied.at(-1) ?? "";
  try {
    await until("the first pass", () => nft.listed >= 1);
    assert.deepEqual(nft.applied, [], "no table on a host that never had published ports");
    await setup(kit);
    await until("the port refusing", () => /idle_ports[^}]*elements = \{ 8080 \}/.test(last()));
    assert.ok(nft.dockerUser >= 1);
    await observe(kit, ReplicaState.REPLICA_STATE_RUNNING);
    await until("the DNAT", () => last().includes("dnat to 10.244.0.2:80"));
    await observe(kit, ReplicaState.REPLICA_STATE_DEGRADED);
    await until("refusing again", () => /idle_ports[^}]*elements = \{ 8080 \}/.test(last()));
    await kit.apply({ $case: "deploymentDelete", value: { deployment: "web" } as never });
    await until(
      "the table deleted",
      () => last() === "table ip jaco_nat\ndelete table ip jaco_nat\n",
    );
    assert.ok(kit.logs.includes("info published ports applied"));
  } finally {
    controller.abort();
    await loop.stop();
  }
});

Deno.test("ports loop: disabled (no Docker) never touches netfilter", async () => {
  const kit = new NetKit();
  await setup(kit);
  const nft = new FakeNft();
  let asked = 0;
  const loop = startPortsLoop({
    nodeName: "n1",
    state: kit.state,
    raft: { status: () => ({ role: "follower" }) } as never,
    log: kit.log,
    signal: new AbortController().signal,
  }, {
    nft,
    enabled: () => {
      asked++;
      return Promise.resolve(false);
    },
    debounceMs: 5,
  });
  try {
    await observe(kit, ReplicaState.REPLICA_STATE_RUNNING);
    await until("the gate asked after the event", () => asked >= 2);
    assert.deepEqual(nft.applied, []);
    assert.equal(nft.dockerUser, 0);
  } finally {
    await loop.stop();
  }
});
