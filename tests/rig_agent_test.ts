/**
 * daemon/agent: the RuntimeAgent against a real dockerd of the rig: an in-process ClusterState driven with
 * DeploymentApply / ReplicaDesiredUpsert / ReplicaCommandIssue commands, `submit` applying to the
 * same state. One rig for all steps.
 */
import assert from "node:assert/strict";
import { Command, type DeepPartial, ReplicaState } from "../proto/mod.ts";
import type { ReplicaObserved } from "../proto/mod.ts";
import { dockerEngine, JacoLabel } from "../runtime/mod.ts";
import { ClusterState } from "../state/mod.ts";
import { Rig, rigSupport, TEST_IMAGE } from "./rig/mod.ts";
import { RuntimeAgent } from "../daemon/agent/mod.ts";

const support = rigSupport({ docker: true });
if (!support.ok) console.log(`skipped: ${support.reason}`);

const compose = `
services:
  web:
    image: ${TEST_IMAGE}
    pull_policy: never
    init: true
    healthcheck: {disable: true}
  api:
    image: ${TEST_IMAGE}
    pull_policy: never
    init: true
    depends_on:
      web: {condition: service_healthy}
  job:
    image: ${TEST_IMAGE}
    pull_policy: never
    command: ["sh", "-c", "exit 3"]
`;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

Deno.test({
  name: "RuntimeAgent runs, defers, recreates, restarts, removes and reclaims containers on Docker",
  ignore: !support.ok,
}, async (t) => {
  await using rig = await Rig.create({ hosts: 1, docker: true, name: "h5agent" });
  const host = rig.hosts[0];
  const engine = dockerEngine({ socketPath: host.dockerSocket });
  const state = new ClusterState();
  const clusterId = `agent-test-${crypto.randomUUID().slice(0, 8)}`;
  let index = 0;
  const apply = (payload: DeepPartial<Command>["payload"]) =>
    state.applyCommand(
      Command.fromPartial({ clusterId, ts: new Date(), identity: "test", payload }),
      ++index,
    );
  const written: ReplicaObserved[] = [];
  const logs: string[] = [];
  const log = (level: string) => (message: string, attributes: object = {}) => {
    logs.push(`${level} ${message} ${JSON.stringify(attributes)}`);
  };
  const newAgent = () =>
    new RuntimeAgent({
      nodeName: "n1",
      state,
      submit: (payload, _identity) => {
        if (payload?.$case === "replicaObservedUpdate") written.push(payload.value.replica!);
        apply(payload);
        return Promise.resolve({ raftIndex: index });
      },
      engine,
      log: { debug: log("DEBUG"), info: log("INFO"), warn: log("WARN"), error: log("ERROR") },
      pendingPollMs: 200,
      runningPollMs: 400,
      resyncIntervalMs: 60_000,
    });
  const upsert = (service: string, specHash = "h1") =>
    apply({
      $case: "replicaDesiredUpsert",
      value: {
        replica: {
          id: `shop-${service}-0`,
          deployment: "shop",
          service,
          index: 0,
          host: "n1",
          image: TEST_IMAGE,
          specHash,
        },
      },
    });
  const containersOf = (replicaId: string) =>
    engine.listContainers({ [JacoLabel.clusterId]: clusterId, [JacoLabel.replicaId]: replicaId });
  const observed = (id: string) => state.view().replicaObserved(id);
  const writesOf = (id: string) => written.filter((observation) => observation.id === id);

  apply({ $case: "clusterInit", value: { clusterId } });
  apply({
    $case: "deploymentApply",
    value: {
      deployment: "shop",
      revision: 1,
      composeYaml: new TextEncoder().encode(compose),
      services: ["api", "job", "web"].map((name) => ({ name, replicas: 1, networks: [] })),
    },
  });
  let agent = newAgent();
  agent.start();
  try {
    await t.step("api waits for a running web (depends_on service_healthy)", async () => {
      upsert("api");
      await until("api deferred", () => logs.some((l) => l.includes("depends_on unmet")));
      assert.equal((await containersOf("shop-api-0")).length, 0);
      assert.equal(observed("shop-api-0")?.state, ReplicaState.REPLICA_STATE_PENDING);
    });

    let webContainer = "";
    await t.step("web starts, becomes running after 5 polls, then api starts", async () => {
      upsert("web");
      await until(
        "web running",
        () => observed("shop-web-0")?.state === ReplicaState.REPLICA_STATE_RUNNING,
      );
      webContainer = observed("shop-web-0")!.containerId;
      const inspected = await engine.inspectContainer(webContainer);
      assert.equal(inspected?.Name, "jaco_shop-web-0");
      assert.equal(
        inspected?.Labels[JacoLabel.raftIndex],
        String(state.view().replicaDesired("shop-web-0")!.raftIndex),
      );
      assert.ok(observed("shop-web-0")!.details["ip.jaco_shop__default"]);
      await until(
        "api running",
        async () => (await containersOf("shop-api-0")).some((c) => c.State === "running"),
      );
    });

    await t.step("observations are written on transitions only", async () => {
      const states = writesOf("shop-web-0").map((o) => [o.state, o.containerId !== ""]);
      assert.deepEqual(states, [
        [ReplicaState.REPLICA_STATE_PENDING, false],
        [ReplicaState.REPLICA_STATE_PENDING, true],
        [ReplicaState.REPLICA_STATE_RUNNING, true],
      ]);
      const polls = agent.watcherPolls("shop-web-0");
      await until("5 more web polls", () => agent.watcherPolls("shop-web-0") >= polls + 5);
      assert.equal(writesOf("shop-web-0").length, 3);
    });

    await t.step("a new raft_index recreates the container", async () => {
      upsert("web", "h2");
      const raftIndex = String(state.view().replicaDesired("shop-web-0")!.raftIndex);
      await until("web recreated", async () => {
        const list = await containersOf("shop-web-0");
        return list.length === 1 && list[0].Labels[JacoLabel.raftIndex] === raftIndex &&
          list[0].State === "running";
      });
      assert.notEqual((await containersOf("shop-web-0"))[0].Id, webContainer);
    });

    await t.step("a restart command replaces the container once", async () => {
      const before = (await containersOf("shop-api-0"))[0].Id;
      apply({ $case: "replicaCommandIssue", value: { replicaId: "shop-api-0", op: "restart" } });
      await until("api replaced", async () => {
        const list = await containersOf("shop-api-0");
        return list.length === 1 && list[0].Id !== before && list[0].State === "running";
      });
      assert.equal(logs.filter((l) => l.includes("replica restart command")).length, 1);
    });

    await t.step("an exiting container is failed/container_exited with its exit code", async () => {
      upsert("job");
      const failed = await until("job failed", () => {
        const o = observed("shop-job-0");
        return o?.state === ReplicaState.REPLICA_STATE_FAILED ? o : undefined;
      });
      assert.equal(failed.code, "container_exited");
      assert.equal(failed.details.exit_code, "3");
      await agent.reconcileNow();
      const list = await containersOf("shop-job-0");
      assert.equal(list[0].State, "exited", "the safety resync does not revive a failed replica");
    });

    await t.step("removal stops and removes the container", async () => {
      apply({ $case: "replicaDesiredRemove", value: { id: "shop-job-0" } });
      await until("job removed", async () => (await containersOf("shop-job-0")).length === 0);
    });

    await t.step("orphans are reclaimed by label, unlabelled replicas left alone", async () => {
      const labels = [
        "--label",
        `${JacoLabel.clusterId}=${clusterId}`,
        "--label",
        `${JacoLabel.host}=n1`,
      ];
      await host.docker([
        "run",
        "-d",
        "--init",
        "--name",
        "ghost",
        ...labels,
        "--label",
        `${JacoLabel.replicaId}=shop-ghost-0`,
        TEST_IMAGE,
      ], { check: true });
      await host.docker(["run", "-d", "--init", "--name", "bystander", ...labels, TEST_IMAGE], {
        check: true,
      });
      await agent.reconcileNow();
      assert.equal((await containersOf("shop-ghost-0")).length, 0);
      assert.ok(await engine.inspectContainer("bystander"));
    });

    await t.step("a restarted agent writes nothing for unchanged replicas", async () => {
      await agent.stop();
      const count = written.length;
      agent = newAgent();
      agent.start();
      await agent.reconcileNow();
      await until("web polled 6 times", () => agent.watcherPolls("shop-web-0") >= 6);
      assert.equal(written.length, count);
    });
  } finally {
    await agent.stop();
  }
});
