/**
 * Step 4 of the start pipeline with an in-memory engine: gateways become the container's DNS
 * servers and the runtime's plain networks are not created; `subnet_pool_exhausted` is the
 * terminal `failed/subnet_pool_exhausted` observation; other errors are transient.
 */
import assert from "node:assert/strict";
import { JacoError } from "../../proto/errors.ts";
import { Command, type DeepPartial, type ReplicaDesired, ReplicaState } from "../../proto/mod.ts";
import type { ContainerEngine, ContainerSpec } from "../../runtime/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import { ObservationPublisher, startReplica } from "../agent/mod.ts";

function setup(prepare: () => Promise<string[]>) {
  const state = new ClusterState();
  let index = 0;
  const apply = (payload: DeepPartial<Command>["payload"]) =>
    state.applyCommand(Command.fromPartial({ identity: "t", ts: new Date(0), payload }), ++index);
  apply({ $case: "clusterInit", value: { clusterId: "c1" } });
  apply({
    $case: "deploymentApply",
    value: {
      deployment: "shop",
      revision: 1,
      composeYaml: new TextEncoder().encode(
        "services:\n  web: {image: img:1, pull_policy: never, networks: [front, back]}\n" +
          "networks: {front: {}, back: {}}\n",
      ),
      services: [{ name: "web", replicas: 1, networks: ["front", "back"] }],
    },
  });
  const created: ContainerSpec[] = [];
  const ensured: string[] = [];
  const prepared: unknown[] = [];
  const errors: string[] = [];
  const engine = {
    hasImage: () => Promise.resolve(true),
    ensureNetwork: (name: string) => Promise.resolve(void ensured.push(name)),
    ensureVolume: () => Promise.resolve(),
    createContainer: (spec: ContainerSpec) => Promise.resolve(`c${created.push(spec)}`),
    startContainer: () => Promise.resolve(),
    listContainers: () => Promise.resolve([]),
  } as unknown as ContainerEngine;
  const log = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (message: string, fields?: Record<string, unknown>) =>
      void errors.push(`${message} ${fields?.error}`),
  };
  const context = {
    nodeName: "n1",
    state,
    engine,
    log,
    publisher: new ObservationPublisher({
      nodeName: "n1",
      state,
      submit: (payload) => Promise.resolve({ raftIndex: (apply(payload), index) }),
      now: () => new Date(0),
    }),
    sleep: () => Promise.resolve(),
    watch: () => {},
    deferred: new Set<string>(),
    networks: {
      prepare: (input: unknown) => {
        prepared.push(input);
        return prepare();
      },
    },
  };
  const desired: ReplicaDesired = {
    id: "shop-web-0",
    deployment: "shop",
    service: "web",
    index: 0,
    host: "n1",
    image: "img:1",
    raftIndex: 3,
    specHash: "h",
  };
  const run = () => startReplica(context, desired, new AbortController().signal);
  return { state, created, ensured, prepared, errors, run };
}

Deno.test("start pipeline step 4: gateways are the DNS servers, no plain network is created", async () => {
  const t = setup(() => Promise.resolve(["10.244.3.1", "10.244.4.1"]));
  assert.equal(await t.run(), "started");
  assert.deepEqual(t.prepared, [{
    clusterId: "c1",
    deployment: "shop",
    networks: ["front", "back"],
  }]);
  assert.deepEqual(t.ensured, []);
  assert.equal(t.created.length, 1);
  assert.deepEqual(t.created[0].HostConfig.Dns, ["10.244.3.1", "10.244.4.1"]);
  assert.deepEqual(t.created[0].networks.map((n) => n.network), [
    "jaco_shop_front",
    "jaco_shop_back",
  ]);
});

Deno.test("start pipeline step 4: subnet_pool_exhausted → failed/subnet_pool_exhausted, not retried", async () => {
  const t = setup(() =>
    Promise.reject(
      new JacoError("subnet_pool_exhausted", "ipam_pool 10.244.0.0/16 has no free /24", {
        deployment: "shop",
        network: "front",
        host: "n1",
        pool: "10.244.0.0/16",
      }),
    )
  );
  assert.equal(await t.run(), "skipped");
  const observed = t.state.view().replicaObserved("shop-web-0");
  assert.equal(observed?.state, ReplicaState.REPLICA_STATE_FAILED);
  assert.equal(observed?.code, "subnet_pool_exhausted");
  assert.deepEqual(observed?.details, { deployment: "shop", network: "front", host: "n1" });
  assert.equal(t.created.length, 0);
  assert.equal(await t.run(), "skipped");
  assert.equal(t.prepared.length, 1, "an exhausted replica does not ask again");
});

Deno.test("start pipeline step 4: any other error is transient (logged, retried next run)", async () => {
  let calls = 0;
  const t = setup(() =>
    ++calls === 1
      ? Promise.reject(new JacoError("no_leader", "no leader yet"))
      : Promise.resolve(["10.244.0.1", "10.244.1.1"])
  );
  assert.equal(await t.run(), "skipped");
  assert.equal(t.state.view().replicaObserved("shop-web-0"), undefined);
  assert.deepEqual(t.errors, ["start replica failed no leader yet"]);
  assert.equal(await t.run(), "started");
  assert.equal(t.created.length, 1);
});
