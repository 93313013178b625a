/**
 * Issue 5 end to end on 3 rig hosts, each with its own dockerd: rolling updates, manual
 * rollback and the automatic revert of a failing roll (scheduling.md §6, cli.md `jaco rollback`,
 * `jaco status`). One rig and one cluster, reused across the steps.
 *
 * - A start-first roll of `web` (3 replicas, spread, busybox httpd with a wget healthcheck) from
 *   `jaco-test/busybox:1` to `:2` (plus an env change): every ~second a probe round fetches
 *   `http://<container ip>:8080/` of every `web` container from inside the container's own host;
 *   every round at least replicas − 1 containers answer. Prints `roll_probe_rounds`,
 *   `roll_min_answered`, `roll_max_answered` (a maximum above 3 shows the surge) and
 *   `roll_converge_ms` (apply → only new containers left).
 * - Start-first, one step at a time, is checked from the hosts' Docker events after the fact:
 *   each replacement is created only after the previous one is healthy, and the j-th old
 *   container is stopped only after j replacements are healthy.
 * - `jaco rollback` restores revision 1 exactly (rolled the same way): the containers run the
 *   old image, command, environment, healthcheck and `jaco.spec_hash` label again.
 * - A roll to `:3` whose healthcheck always fails never stops a revision-1 container; the 60 s
 *   step timeout aborts it and reverts to the previous revision, `jaco status -o json` says why
 *   in the deployment's details, and only revision-1 containers are left.
 *
 * Decision: replica ids change on a roll (make-before-break replacements take new indices), so
 * the test follows containers by the `jaco.deployment`/`jaco.service` labels, never by id.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Rig, type RigHost, rigSupport } from "./rig/mod.ts";
import { formRigCluster, type RigJacod } from "./_rig_jacod.ts";

const support = rigSupport({ docker: true });
if (!support.ok) console.log(`rig deploy roll tests skipped: ${support.reason}`);

const REPLICAS = 3;

/** jaco.yaml + compose.yml of the `roll` deployment at one image tag and spec variant. */
function manifests(tag: number, version: string, healthcheck: string[]): [string, string] {
  const jacoYaml = [
    "deployment: roll",
    "acme: off",
    "services:",
    "  - name: web",
    `    replicas: ${REPLICAS}`,
    "",
  ].join("\n");
  const compose = {
    services: {
      web: {
        image: `jaco-test/busybox:${tag}`,
        pull_policy: "never",
        stop_grace_period: "2s",
        environment: { VERSION: version },
        command: [
          "sh",
          "-c",
          'mkdir -p /www && echo "v$$VERSION" > /www/index.html && exec httpd -f -p 8080 -h /www',
        ],
        healthcheck: { test: healthcheck, interval: "1s", timeout: "1s", retries: 2 },
      },
    },
  };
  return [jacoYaml, JSON.stringify(compose, null, 2)];
}

const healthy = ["CMD", "wget", "-q", "-O", "-", "http://127.0.0.1:8080/"];

/** Writes the manifests to a fresh directory and runs `jaco apply --detach` on `node`. */
async function apply(node: RigJacod, files: [string, string]): Promise<number> {
  const dir = await Deno.makeTempDir({ dir: node.host.dir, prefix: "apply-" });
  await Deno.writeTextFile(`${dir}/jaco.yaml`, files[0]);
  await Deno.writeTextFile(`${dir}/compose.yml`, files[1]);
  const { stdout } = await node.jaco(
    ["apply", "--detach", "--jaco", `${dir}/jaco.yaml`, "-f", `${dir}/compose.yml`, "-o", "json"],
    { check: true, timeoutMs: 60_000 },
  );
  return JSON.parse(stdout).revision;
}

/** One `web` container of the `roll` deployment as docker on its host reports it. */
interface WebContainer {
  host: RigHost;
  id: string;
  image: string;
  running: boolean;
  ip: string;
  specHash: string;
  /** Cmd, Env (VERSION only) and healthcheck test: what a rollback must restore. */
  spec: string;
}

/** Every `web` container of `roll` on `host` (running or not). */
async function containersOn(host: RigHost): Promise<WebContainer[]> {
  const listed = await host.docker([
    "ps",
    "-aq",
    "--filter",
    "label=jaco.deployment=roll",
    "--filter",
    "label=jaco.service=web",
  ], { check: true });
  const ids = listed.stdout.split("\n").filter((id) => id !== "");
  if (ids.length === 0) return [];
  // A container removed between `ps` and `inspect` is left out (inspected one by one then).
  const inspected = await host.docker(["inspect", ...ids]);
  const found: DockerInspect[] = inspected.code === 0
    ? JSON.parse(inspected.stdout)
    : (await Promise.all(ids.map(async (id) => {
      const one = await host.docker(["inspect", id]);
      return one.code === 0 ? JSON.parse(one.stdout) : [];
    }))).flat();
  return found.map((c) => ({
    host,
    id: c.Id.slice(0, 12),
    image: c.Config.Image,
    running: c.State.Running,
    ip: Object.values(c.NetworkSettings.Networks).map((n) => n.IPAddress).find((ip) => ip) ??
      "",
    specHash: c.Config.Labels["jaco.spec_hash"] ?? "",
    spec: JSON.stringify({
      cmd: c.Config.Cmd,
      env: c.Config.Env.filter((e) => e.startsWith("VERSION=")),
      health: c.Config.Healthcheck?.Test,
    }),
  }));
}

interface DockerInspect {
  Id: string;
  Config: {
    Image: string;
    Cmd: string[];
    Env: string[];
    Labels: Record<string, string>;
    Healthcheck?: { Test: string[] };
  };
  State: { Running: boolean };
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

/** Every `web` container of `roll` on every host. */
async function allContainers(rig: Rig): Promise<WebContainer[]> {
  return (await Promise.all(rig.hosts.map(containersOn))).flat();
}

/** One probe round: the bodies answered, and `<container>@<host> <image>` of each miss. */
interface Round {
  answered: string[];
  missed: string[];
}

/** Fetches `/` of every running container from inside its host. */
async function probeRound(rig: Rig): Promise<Round> {
  const containers = (await allContainers(rig)).filter((c) => c.running && c.ip !== "");
  const answers = await Promise.all(containers.map(async (c) => {
    const result = await c.host.exec(
      ["timeout", "2", "busybox", "wget", "-qO-", `http://${c.ip}:8080/`],
    );
    return result.code === 0 ? result.stdout.trim() : undefined;
  }));
  return {
    answered: answers.filter((answer): answer is string => answer !== undefined),
    missed: containers.filter((_, i) => answers[i] === undefined)
      .map((c) => `${c.id}@${c.host.name} ${c.image}`),
  };
}

/** The sorted bodies of one probe round. */
async function bodies(rig: Rig): Promise<string[]> {
  return (await probeRound(rig)).answered.sort();
}

/** Probes in rounds until `stop` is aborted; returns every round. */
async function probeUntil(rig: Rig, stop: AbortSignal): Promise<Round[]> {
  const rounds: Round[] = [];
  while (!stop.aborted) {
    const started = Date.now();
    rounds.push(await probeRound(rig));
    const rest = 1_000 - (Date.now() - started);
    if (rest > 0 && !stop.aborted) await new Promise((resolve) => setTimeout(resolve, rest));
  }
  return rounds;
}

/**
 * Waits until exactly REPLICAS `web` containers exist, all running `image` on distinct hosts and
 * answering, and `jaco status` shows exactly REPLICAS replicas, all running (the scheduler
 * replaces replicas it does not see running at once, so a roll must start from there).
 */
async function waitForWeb(
  rig: Rig,
  node: RigJacod,
  image: string,
  timeoutMs: number,
): Promise<WebContainer[]> {
  return await rig.waitFor(async () => {
    const containers = await allContainers(rig);
    const settled = containers.length === REPLICAS &&
      containers.every((c) => c.running && c.image === image) &&
      new Set(containers.map((c) => c.host.name)).size === REPLICAS &&
      (await probeRound(rig)).answered.length === REPLICAS &&
      (await observedRunning(node)) === REPLICAS;
    return settled ? containers : undefined;
  }, { what: `${REPLICAS} running web containers of ${image}`, timeoutMs, intervalMs: 500 });
}

/** How many `roll` replicas `jaco status -o json` lists, if all of them are running; else -1. */
async function observedRunning(node: RigJacod): Promise<number> {
  const { stdout } = await node.jaco(["status", "roll", "-o", "json"], { check: true });
  const replicas: { state: string }[] = JSON.parse(stdout).replicas;
  return replicas.every((r) => r.state === "running") ? replicas.length : -1;
}

/** One Docker event of a `roll` container. */
interface DockerEvent {
  ns: number;
  action: string;
  name: string;
  image: string;
}

/**
 * Starts recording the create / kill / health events of `roll` containers on every host (one
 * `docker events` stream per host, from now on; the daemon's own buffer keeps only 256 events,
 * too few next to the healthcheck execs). The returned function stops the streams and returns
 * the events in time order.
 */
function recordEvents(rig: Rig): () => Promise<DockerEvent[]> {
  const since = (Date.now() / 1000).toFixed(3);
  const recorders = rig.hosts.map((host) => {
    const child = host.spawn([
      "docker",
      "events",
      "--since",
      since,
      "--filter",
      "type=container",
      "--filter",
      "label=jaco.deployment=roll",
      "--filter",
      "event=create",
      "--filter",
      "event=kill",
      "--filter",
      "event=health_status",
      "--format",
      "{{.TimeNano}}|{{.Action}}|{{.Actor.Attributes.name}}|{{.Actor.Attributes.image}}",
    ], { stdout: "piped", stderr: "null" });
    return { host, child, text: new Response(child.stdout).text() };
  });
  return async () => {
    const outputs = await Promise.all(recorders.map(async ({ host, child, text }) => {
      host.kill(child.pid, "SIGTERM");
      await child.status;
      return await text;
    }));
    return outputs.join("\n").split("\n").filter((line) => line !== "").map((line) => {
      const [ns, action, name, image] = line.split("|");
      return { ns: Number(ns), action, name, image };
    }).sort((a, b) => a.ns - b.ns);
  };
}

/**
 * Checks a roll to `image` from its Docker events: each replacement is created only after the
 * previous one is healthy (one step at a time), and the j-th old container is stopped only
 * after j replacements are healthy (start-first).
 */
function assertStartFirst(events: DockerEvent[], image: string): void {
  const timeline = events.map((e) => `${e.ns} ${e.action} ${e.name} ${e.image}`).join("\n");
  const first = (name: string, action: string) =>
    events.find((e) => e.name === name && e.action === action)?.ns ?? Infinity;
  const fresh = [
    ...new Set(events.filter((e) => e.image === image && e.action === "create").map((e) => e.name)),
  ];
  assert.equal(fresh.length, REPLICAS, timeline);
  const created = fresh.map((name) => first(name, "create"));
  const healthy = fresh.map((name) => first(name, "health_status: healthy")).sort((a, b) => a - b);
  for (let k = 1; k < fresh.length; k++) {
    assert.ok(created[k] >= healthy[k - 1], `replacement ${k} created too early:\n${timeline}`);
  }
  const stopped = [
    ...new Set(events.filter((e) => e.image !== image && e.action === "kill").map((e) => e.name)),
  ];
  const stops = stopped.map((name) => first(name, "kill")).sort((a, b) => a - b);
  stops.forEach((ns, j) =>
    assert.ok(ns >= healthy[j], `old container ${j} stopped too early:\n${timeline}`)
  );
}

/** The `roll` deployment of `jaco status roll -o json`. */
async function deploymentStatus(node: RigJacod): Promise<Record<string, unknown>> {
  const { stdout } = await node.jaco(["status", "roll", "-o", "json"], { check: true });
  return JSON.parse(stdout).deployments[0];
}

/** Canonical form of what a rollback must restore: sorted spec + hash per container. */
function specsOf(containers: WebContainer[]): string[] {
  return containers.map((c) => `${c.image} ${c.specHash} ${c.spec}`).sort();
}

Deno.test({
  name:
    "rig deploy roll: start-first roll keeps replicas-1 answering, rollback restores revision 1 exactly, a failing roll reverts after the step timeout",
  ignore: !support.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using rig = await Rig.create({
      hosts: 3,
      docker: true,
      name: "roll",
      hostNames: ["node-1", "node-2", "node-3"],
    });
    const nodes = await formRigCluster(rig, 3);
    const node = nodes[1]; // a follower: writes are forwarded
    try {
      let revision1: WebContainer[] = [];
      await t.step("revision 1 runs 3 replicas on 3 hosts", async () => {
        assert.equal(await apply(node, manifests(1, "1", healthy)), 1);
        revision1 = await waitForWeb(rig, node, "jaco-test/busybox:1", 90_000);
        assert.deepEqual(await bodies(rig), ["v1", "v1", "v1"]);
      });

      await t.step("image :1 → :2 rolls start-first, replicas-1 answer every round", async () => {
        const stop = new AbortController();
        const probing = probeUntil(rig, stop.signal);
        const events = recordEvents(rig);
        const started = Date.now();
        try {
          assert.equal(await apply(node, manifests(2, "2", healthy)), 2);
          await waitForWeb(rig, node, "jaco-test/busybox:2", 90_000);
        } finally {
          stop.abort();
        }
        const convergeMs = Date.now() - started;
        const rounds = await probing;
        const answered = rounds.map((round) => round.answered.length);
        console.log(`roll_probe_rounds ${rounds.length}`);
        console.log(`roll_min_answered ${Math.min(...answered)}`);
        console.log(`roll_max_answered ${Math.max(...answered)}`);
        console.log(`roll_converge_ms ${convergeMs}`);
        rounds.forEach((round, i) => {
          if (round.answered.length < REPLICAS) {
            console.log(
              `roll round ${i}: ${round.answered.length} answered, missed: ${round.missed}`,
            );
          }
        });
        assert.ok(rounds.length >= 3, `only ${rounds.length} probe rounds during the roll`);
        answered.forEach((count, i) =>
          assert.ok(
            count >= REPLICAS - 1,
            `probe round ${i}: ${count} answered, missed ${rounds[i].missed.join(", ")}`,
          )
        );
        assert.deepEqual(await bodies(rig), ["v2", "v2", "v2"]);
        assertStartFirst(await events(), "jaco-test/busybox:2");
      });

      await t.step("rollback restores revision 1 exactly", async () => {
        const events = recordEvents(rig);
        const { stdout } = await node.jaco(["rollback", "roll", "-o", "json"], { check: true });
        assert.deepEqual(JSON.parse(stdout), { deployment: "roll", revision: 1 });
        const restored = await waitForWeb(rig, node, "jaco-test/busybox:1", 90_000);
        assertStartFirst(await events(), "jaco-test/busybox:1");
        assert.deepEqual(specsOf(restored), specsOf(revision1));
        assert.deepEqual(await bodies(rig), ["v1", "v1", "v1"]);
        const status = await deploymentStatus(node);
        assert.equal(status.applied_revision, 1);
        assert.equal(status.previous_revision, 2);
      });

      await t.step("a roll whose healthcheck fails reverts after the step timeout", async () => {
        const stop = new AbortController();
        const probing = probeUntil(rig, stop.signal);
        let status: Record<string, unknown> = {};
        const recorded = recordEvents(rig);
        try {
          assert.equal(await apply(node, manifests(3, "3", ["CMD", "false"])), 3);
          status = await rig.waitFor(async () => {
            const current = await deploymentStatus(node);
            return current.applied_revision === 1 ? current : undefined;
          }, { what: "automatic rollback to revision 1", timeoutMs: 120_000, intervalMs: 2_000 });
          await waitForWeb(rig, node, "jaco-test/busybox:1", 60_000);
        } finally {
          stop.abort();
        }
        const rounds = await probing;
        // The :3 containers serve HTTP too (only their healthcheck fails): count revision 1's.
        const served = rounds.map((round) => round.answered.filter((body) => body === "v1").length);
        console.log(`bad_roll_probe_rounds ${rounds.length}`);
        console.log(`bad_roll_min_v1_answered ${Math.min(...served)}`);
        // No revision-1 container was ever stopped: the failing replacements never took over.
        const events = await recorded();
        assert.deepEqual(
          events.filter((e) => e.image === "jaco-test/busybox:1" && e.action === "kill"),
          [],
        );
        assert.ok(events.some((e) => e.image === "jaco-test/busybox:3" && e.action === "create"));
        served.forEach((count, i) =>
          assert.ok(count >= REPLICAS - 1, `probe round ${i}: ${JSON.stringify(rounds[i])}`)
        );
        assert.equal(status.previous_revision, 3);
        const reason = String((status.status_details as Record<string, string>)?.reason);
        assert.match(reason, /rollout of service "web" to revision 3 aborted \(step_timeout\)/);
        assert.match(reason, /rolled back to revision 1/);
        assert.deepEqual(specsOf(await allContainers(rig)), specsOf(revision1));
      });
    } catch (error) {
      for (const n of nodes) console.error(`--- ${n.name}\n${(await n.log()).slice(-4_000)}`);
      throw error;
    }
  },
});
