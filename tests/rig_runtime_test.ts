/**
 * runtime/: the Docker engine driver against a real dockerd of the rig (one rig for every step): the
 * projected spec as Docker stores it, per-host networks and kept volumes, health transitions
 * with passing and failing healthchecks, logs (tail, since, follow) and the persisted stop grace.
 */
import assert from "node:assert/strict";
import { parseComposeProject } from "../compose/mod.ts";
import { ReplicaState } from "../proto/mod.ts";
import { Rig, rigSupport, TEST_IMAGE } from "./rig/mod.ts";
import {
  type ContainerEngine,
  containerSpecOf,
  createReplicaContainer,
  dockerEngine,
  type HealthReport,
  HealthWatcher,
  type LogLine,
  replicaLogs,
} from "../runtime/mod.ts";

const support = rigSupport({ docker: true });
if (!support.ok) console.log(`skipped: ${support.reason}`);

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function plan(service: string, body: string, tail = "") {
  const compose = parseComposeProject(`services:\n  ${service}:\n${body}\n${tail}`);
  return containerSpecOf({
    clusterId: "rt",
    deployment: "shop",
    compose,
    service,
    host: "n1",
    replicaId: `shop-${service}-0`,
    replicaIndex: 0,
    raftIndex: 7,
    specHash: "h",
    networks: [],
  }).spec;
}

const indent = (text: string) => text.trim().split("\n").map((line) => `    ${line}`).join("\n");

async function run(engine: ContainerEngine, service: string, body: string, tail = "") {
  const id = await createReplicaContainer(engine, plan(service, indent(body), tail));
  await engine.startContainer(id);
  return id;
}

async function lines(engine: ContainerEngine, id: string, options = {}): Promise<LogLine[]> {
  const result: LogLine[] = [];
  for await (const line of replicaLogs(engine, id, options)) result.push(line);
  return result;
}

Deno.test(
  { name: "dockerEngine() drives a real Docker engine", ignore: !support.ok },
  async (t) => {
    await using rig = await Rig.create({ hosts: 1, docker: true, name: "h5runtime" });
    const host = rig.hosts[0];
    const engine = dockerEngine({ socketPath: host.dockerSocket });
    const inspect = async (name: string) =>
      JSON.parse((await host.docker(["inspect", name], { check: true })).stdout)[0];

    await t.step(
      "Docker gets every projected field; networks and volumes are created",
      async () => {
        const id = await run(
          engine,
          "full",
          `
image: ${TEST_IMAGE}
pull_policy: never
command: ["sleep", "300"]
environment: {GREETING: hello}
labels: {team: a}
user: "1000"
working_dir: /tmp
read_only: true
tmpfs: ["/run:size=1m"]
cap_drop: [NET_RAW]
cap_add: [SYS_TIME]
sysctls: {net.ipv4.ip_unprivileged_port_start: "100"}
ulimits: {nofile: {soft: 1000, hard: 2000}}
logging: {driver: json-file, options: {max-size: 1m}}
stop_signal: SIGINT
stop_grace_period: 3s
hostname: full1
domainname: example.org
extra_hosts: ["db:10.0.0.5"]
dns: [10.0.0.53]
dns_search: [example.org]
dns_opt: ["ndots:1"]
init: true
shm_size: 8m
volumes: ["data:/data", "/anon"]
deploy: {resources: {limits: {cpus: "0.5", memory: 64m, pids: 50}, reservations: {memory: 32m}}}
healthcheck: {test: ["CMD", "true"], interval: 1s, retries: 2}
`,
          "volumes:\n  data: {}\n",
        );
        const info = await inspect(id);
        assert.equal(info.Name, "/jaco_shop-full-0");
        assert.deepEqual(info.Config.Cmd, ["sleep", "300"]);
        assert.ok(info.Config.Env.includes("GREETING=hello"));
        assert.equal(info.Config.Labels.team, "a");
        assert.equal(info.Config.Labels["jaco.raft_index"], "7");
        assert.equal(info.Config.Labels["jaco.replica_id"], "shop-full-0");
        assert.equal(info.Config.User, "1000");
        assert.equal(info.Config.WorkingDir, "/tmp");
        assert.equal(info.Config.Hostname, "full1");
        assert.equal(info.Config.Domainname, "example.org");
        assert.equal(info.Config.StopSignal, "SIGINT");
        assert.equal(info.Config.StopTimeout, 3);
        assert.deepEqual(info.Config.Healthcheck, {
          Test: ["CMD", "true"],
          Interval: 1e9,
          Retries: 2,
        });
        const hc = info.HostConfig;
        assert.equal(hc.ReadonlyRootfs, true);
        assert.deepEqual(hc.Tmpfs, { "/run": "size=1m" });
        assert.deepEqual(hc.CapDrop, ["NET_RAW"]);
        assert.deepEqual(hc.CapAdd, ["SYS_TIME"]);
        assert.deepEqual(hc.Sysctls, { "net.ipv4.ip_unprivileged_port_start": "100" });
        assert.deepEqual(hc.Ulimits, [{ Name: "nofile", Soft: 1000, Hard: 2000 }]);
        assert.deepEqual(hc.LogConfig, { Type: "json-file", Config: { "max-size": "1m" } });
        assert.deepEqual(hc.ExtraHosts, ["db:10.0.0.5"]);
        assert.deepEqual(hc.Dns, ["10.0.0.53"]);
        assert.deepEqual(hc.DnsSearch, ["example.org"]);
        assert.deepEqual(hc.DnsOptions, ["ndots:1"]);
        assert.equal(hc.Init, true);
        assert.equal(hc.ShmSize, 8 * 1024 ** 2);
        assert.equal(hc.NanoCpus, 5e8);
        assert.equal(hc.Memory, 64 * 1024 ** 2);
        assert.equal(hc.MemoryReservation, 32 * 1024 ** 2);
        assert.equal(hc.PidsLimit, 50);
        assert.equal(hc.NetworkMode, "jaco_shop__default");
        assert.deepEqual(
          hc.Mounts.map((
            m: { Type: string; Source?: string; Target: string },
          ) => [m.Type, m.Source ?? "", m.Target]),
          [["volume", "jaco_shop_data", "/data"], ["volume", "", "/anon"]],
        );
        assert.ok(info.NetworkSettings.Networks.jaco_shop__default.Aliases.includes("full"));
        const volume = JSON.parse(
          (await host.docker(["volume", "inspect", "jaco_shop_data"], { check: true })).stdout,
        )[0];
        assert.equal(volume.Labels["jaco.deployment"], "shop");
        await until("running", async () => (await engine.inspectContainer(id))?.State?.Running);
        await engine.stopContainer(id);
        await engine.removeContainer(id);
        assert.equal(await engine.inspectContainer(id), undefined);
        assert.equal(
          (await host.docker(["volume", "inspect", "jaco_shop_data"])).code,
          0,
          "named volume kept",
        );
        await engine.removeContainer(id); // idempotent
      },
    );

    await t.step(
      "health watcher reports pending → running and pending → degraded only",
      async () => {
        const good = await run(
          engine,
          "good",
          `
image: ${TEST_IMAGE}
pull_policy: never
init: true
healthcheck: {test: ["CMD", "true"], interval: 500ms}
`,
        );
        const bad = await run(
          engine,
          "bad",
          `
image: ${TEST_IMAGE}
pull_policy: never
init: true
healthcheck: {test: ["CMD", "false"], interval: 500ms, retries: 1}
`,
        );
        const seen: Record<string, HealthReport[]> = { good: [], bad: [] };
        const watchers = Object.entries({ good, bad }).map(([name, containerId]) =>
          new HealthWatcher({
            engine,
            replicaId: name,
            containerId,
            pendingIntervalMs: 100,
            runningIntervalMs: 100,
            onTransition: (report) => void seen[name].push(report),
          })
        );
        watchers.forEach((watcher) => watcher.start());
        try {
          await until(
            "both settled",
            () =>
              seen.good.at(-1)?.state === ReplicaState.REPLICA_STATE_RUNNING &&
              seen.bad.at(-1)?.state === ReplicaState.REPLICA_STATE_DEGRADED,
          );
          const polls = watchers[0].polls;
          await until("10 more polls", () => watchers[0].polls >= polls + 10);
          assert.deepEqual(
            seen.good.map((r) => r.state),
            [
              ReplicaState.REPLICA_STATE_PENDING,
              ReplicaState.REPLICA_STATE_RUNNING,
            ],
          );
          assert.deepEqual(seen.bad.map((r) => r.state), [
            ReplicaState.REPLICA_STATE_PENDING,
            ReplicaState.REPLICA_STATE_DEGRADED,
          ]);
          assert.ok(seen.good[1].details["ip.jaco_shop__default"]);
        } finally {
          await Promise.all(watchers.map((watcher) => watcher.stop()));
        }
      },
    );

    await t.step("logs honour tail, since and follow, and demultiplex stderr", async () => {
      const id = await run(
        engine,
        "talker",
        `
image: ${TEST_IMAGE}
pull_policy: never
init: true
command: ["sh", "-c", "echo one; echo two >&2; echo three; sleep 1.5; echo four; i=0; while true; do sleep 0.2; echo tick $i; i=$((i+1)); done"]
`,
      );
      const all = await until("four", async () => {
        const got = await lines(engine, id);
        return got.some((l) => l.line === "four") ? got : undefined;
      });
      // stdout and stderr are separate pipes: their relative order is not guaranteed.
      const out = all.filter((l) => l.stream === "stdout").map((l) => l.line);
      assert.deepEqual(out.slice(0, 3), ["one", "three", "four"]);
      assert.deepEqual(all.filter((l) => l.stream === "stderr").map((l) => l.line), ["two"]);
      assert.ok(all.every((l) => l.ts instanceof Date));
      const last = await lines(engine, id, { tail: 1 });
      assert.equal(last.length, 1);
      const four = all.find((l) => l.line === "four")!.ts!;
      const since = await lines(engine, id, { since: four });
      assert.equal(since[0].line, "four");
      assert.ok(!since.some((l) => l.line === "three"));
      const controller = new AbortController();
      const followed: string[] = [];
      for await (
        const line of replicaLogs(engine, id, { follow: true, tail: 0, signal: controller.signal })
      ) {
        followed.push(line.line);
        if (followed.length === 3) controller.abort();
      }
      assert.equal(followed.length, 3);
      const numbers = followed.map((text) => Number(text.split(" ")[1]));
      assert.ok(numbers[0] < numbers[1] && numbers[1] < numbers[2], followed.join(","));
      await engine.removeContainer(id);
    });

    await t.step("stop waits the persisted grace period before killing", async () => {
      const id = await run(
        engine,
        "stubborn",
        `
image: ${TEST_IMAGE}
pull_policy: never
command: ["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"]
stop_grace_period: 2s
`,
      );
      await until("running", async () => (await engine.inspectContainer(id))?.State?.Running);
      const started = performance.now();
      await engine.stopContainer(id);
      const waitedMs = performance.now() - started;
      console.log(`stop_waited_ms=${Math.round(waitedMs)}`);
      assert.ok(waitedMs >= 1900, `stopped after ${waitedMs} ms`);
      assert.equal((await engine.inspectContainer(id))?.State?.Status, "exited");
      await engine.removeContainer(id);
    });

    await t.step("containerEvents() reports health verdicts and exits as they happen", async () => {
      const controller = new AbortController();
      const seen: { containerId: string; action: string }[] = [];
      const events = (async () => {
        for await (const event of engine.containerEvents!(controller.signal)) seen.push(event);
      })();
      const id = await run(
        engine,
        "flaky",
        `
image: ${TEST_IMAGE}
pull_policy: never
init: true
command: ["sh", "-c", "touch /tmp/ok; while true; do sleep 0.2; done"]
healthcheck: {test: ["CMD", "test", "-e", "/tmp/ok"], interval: 1s, retries: 1}
`,
      );
      const mine = (action: string) =>
        seen.some((event) => event.containerId === id && event.action === action);
      await until("healthy event", () => Promise.resolve(mine("health_status: healthy")));
      await host.docker(["exec", id, "rm", "/tmp/ok"], { check: true });
      await until("unhealthy event", () => Promise.resolve(mine("health_status: unhealthy")));
      await host.docker(["kill", id], { check: true });
      await until("die event", () => Promise.resolve(mine("die")));
      // Only the watched actions come through (no create/start/exec events).
      assert.deepEqual(
        [...new Set(seen.filter((e) => e.containerId === id).map((e) => e.action))].sort(),
        ["die", "health_status: healthy", "health_status: unhealthy"],
      );
      controller.abort();
      await events;
      await engine.removeContainer(id);
    });
  },
);
