/**
 * `deno task bench deploy`: apply → every replica running for one stack of N replicas (default
 * 30) on a 3-host rig (tests/rig: one network namespace and dockerd per host), first with JACO,
 * then with Docker Swarm on the same dockerds, and their ratio (goal: JACO ≤ 0.5 × Swarm).
 *
 * The stack: one spread service `web` of `jaco-test/busybox:1` (`pull_policy: never`; Swarm:
 * `--no-resolve-image`), a shell sleeping in a loop, no published port (this kernel has no
 * IPVS: Swarm runs with `--endpoint-mode dnsrr`). JACO puts it on the deployment's default
 * network (a bridge per host); Swarm on none (an overlay needs VXLAN, which the rig does not
 * promise) — Swarm does slightly less work. No healthcheck by default; `--healthcheck` gives
 * both the same quick one (`true` every 1 s), so both count a replica as running once Docker
 * says healthy.
 *
 * Decisions:
 * - JACO is driven through `Deploy.Apply` on the leader's unix socket and polled with
 *   `Deploy.GetReplicas`, so the figure is the cluster's, not a CLI's Deno start-up. Swarm
 *   gets `docker service create -d` (a Go binary) and `docker service ps`. Both are polled
 *   every 200 ms; both clocks start right before the request.
 * - Between the runs JACO's deployment is deleted, its containers awaited gone and its daemons
 *   stopped, so Swarm has the machine to itself; the rig (dockerds) is the same.
 * - Where the time goes, from both sides: JACO's placement (all desired records written), the
 *   first / median / last container reported, the raft entries the deployment cost, and for
 *   both Docker's own timestamps (first / median container created, last one started). Without
 *   a healthcheck a JACO replica is `running` only after 5 consecutive running polls 1 s apart
 *   (scheduling.md §8), so it trails Docker's last start by 4–5 s; Swarm counts a started
 *   container as running.
 *
 * Options: `--replicas=<n>` (default 30), `--healthcheck`. Prints `name value unit` lines, the
 * last one `ratio jaco_vs_swarm_deploy=<x>`. A bench, not a test: it prints, it asserts no goal.
 *
 * @module
 */
import {
  ApplyRequest,
  DeleteRequest,
  GetReplicasRequest,
  GetReplicasResponse,
  ReplicaState,
} from "../../proto/mod.ts";
import { Rig, type RigHost, rigSupport, TEST_IMAGE_TAGS, waitFor } from "../rig/mod.ts";
import { formRigCluster, leaderOf, type RigJacod } from "../_rig_jacod.ts";
import { figure, option } from "./_figures.ts";

const DEPLOYMENT = "bench";
/** Poll interval of both "all running?" loops (light, so polling does not slow the run). */
const POLL_MS = 200;
const SLEEPER = "trap 'exit 0' TERM; while true; do sleep 1; done";

const clients = new Map<string, Deno.HttpClient>();

/** A JSON request over the unix socket `socket` (JACO's local API or Docker's API). */
async function overSocket(socket: string, path: string, body?: unknown): Promise<unknown> {
  let client = clients.get(socket);
  if (!client) {
    client = Deno.createHttpClient({ proxy: { transport: "unix", path: socket } });
    clients.set(socket, client);
  }
  const response = await fetch(`http://local${path}`, {
    method: body === undefined ? "GET" : "POST",
    body: body === undefined ? undefined : JSON.stringify(body),
    client,
    signal: AbortSignal.timeout(30_000),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** The quick healthcheck of `--healthcheck` (compose lines / Swarm flags). */
const HEALTH_LINES = [
  "    healthcheck:",
  '      test: ["CMD", "true"]',
  "      interval: 1s",
  "      timeout: 5s",
  "      retries: 3",
];
const HEALTH_FLAGS = "--health-cmd true --health-interval 1s --health-timeout 5s " +
  "--health-retries 3 ";

function manifests(replicas: number, health: boolean): { jaco: string; compose: string } {
  return {
    jaco:
      `deployment: ${DEPLOYMENT}\nacme: off\nservices:\n  - name: web\n    replicas: ${replicas}\n`,
    compose: [
      "services:",
      "  web:",
      `    image: ${TEST_IMAGE_TAGS[0]}`,
      "    pull_policy: never",
      "    stop_grace_period: 1s",
      `    command: ["sh", "-c", "${SLEEPER}"]`,
      ...(health ? HEALTH_LINES : []),
      "",
    ].join("\n"),
  };
}

/** Containers on `host` whose name starts with `prefix`. */
async function containers(host: RigHost, prefix: string): Promise<number> {
  const list = await overSocket(host.dockerSocket, "/containers/json?all=1") as {
    Names: string[];
  }[];
  return list.filter((c) => c.Names.some((name) => name.startsWith(`/${prefix}`))).length;
}

/**
 * Docker's own timestamps of the containers named `<prefix>…` on every host, relative to
 * `applyAt`: when each was created and started (ms), sorted by creation.
 */
async function dockerTimeline(
  rig: Rig,
  prefix: string,
  applyAt: number,
): Promise<[number, number][]> {
  const times: [number, number][] = [];
  for (const host of rig.hosts) {
    const list = await overSocket(host.dockerSocket, "/containers/json") as { Id: string }[];
    for (const { Id } of list) {
      const inspect = await overSocket(host.dockerSocket, `/containers/${Id}/json`) as {
        Name: string;
        Created: string;
        State: { StartedAt: string };
      };
      if (!inspect.Name.startsWith(`/${prefix}`)) continue;
      times.push([
        Date.parse(inspect.Created) - applyAt,
        Date.parse(inspect.State.StartedAt) - applyAt,
      ]);
    }
  }
  return times.sort((a, b) => a[0] - b[0]);
}

/** Prints when Docker created the first / median container and started the first / median / last. */
async function dockerFigures(rig: Rig, name: string, prefix: string, at: number): Promise<void> {
  const docker = await dockerTimeline(rig, prefix, at);
  const middle = docker[docker.length >> 1] ?? [0, 0];
  figure(`${name}_docker_first_created_ms`, docker[0]?.[0] ?? 0, "ms");
  figure(`${name}_docker_median_created_ms`, middle[0], "ms");
  const started = docker.map(([, at]) => at).sort((a, b) => a - b);
  figure(`${name}_docker_first_started_ms`, started[0] ?? 0, "ms");
  figure(`${name}_docker_median_started_ms`, started[started.length >> 1] ?? 0, "ms");
  figure(`${name}_docker_last_started_ms`, started[started.length - 1] ?? 0, "ms");
}

/** JACO: apply over the leader's socket, then poll until every replica runs. */
async function jacoRun(
  rig: Rig,
  leader: RigJacod,
  replicas: number,
  health: boolean,
): Promise<number> {
  const { jaco, compose } = manifests(replicas, health);
  const encoder = new TextEncoder();
  const request = ApplyRequest.toJSON({
    jacoYaml: encoder.encode(jaco),
    composeYaml: encoder.encode(compose),
    dryRun: false,
  });
  const listRequest = GetReplicasRequest.toJSON({
    deploymentFilter: DEPLOYMENT,
    serviceFilter: "",
    replicaId: "",
  });
  const raftIndex = async () =>
    Number(
      (await overSocket(leader.socket, "/jaco.v1.Cluster/Status", {}) as {
        raftIndex?: string;
      }).raftIndex ?? 0,
    );
  const indexBefore = await raftIndex();
  const containerSeen = new Map<string, number>();
  const applyAt = Date.now();
  const start = performance.now();
  await overSocket(leader.socket, "/jaco.v1.Deploy/Apply", request);
  figure("jaco_apply_rpc_ms", Math.round(performance.now() - start), "ms");
  let placedMs: number | undefined;
  let startedMs: number | undefined;
  const runningMs = await waitFor(async () => {
    const answer = await overSocket(leader.socket, "/jaco.v1.Deploy/GetReplicas", listRequest);
    const list = GetReplicasResponse.fromJSON(answer).replicas;
    const now = performance.now() - start;
    if (placedMs === undefined && list.length === replicas) placedMs = now;
    for (const replica of list) {
      if (replica.containerId !== "" && !containerSeen.has(replica.id)) {
        containerSeen.set(replica.id, now);
      }
    }
    const withContainer = containerSeen.size;
    if (startedMs === undefined && withContainer === replicas) startedMs = now;
    const up = list.filter((replica) => replica.state === ReplicaState.REPLICA_STATE_RUNNING);
    return up.length === replicas ? now : undefined;
  }, { what: `${replicas} jaco replicas running`, timeoutMs: 300_000, intervalMs: POLL_MS });
  figure("jaco_all_placed_ms", Math.round(placedMs ?? runningMs), "ms");
  const seen = [...containerSeen.values()].sort((a, b) => a - b);
  figure("jaco_first_container_started_ms", Math.round(seen[0] ?? runningMs), "ms");
  figure("jaco_median_container_started_ms", Math.round(seen[seen.length >> 1] ?? 0), "ms");
  figure("jaco_all_containers_started_ms", Math.round(startedMs ?? runningMs), "ms");
  await dockerFigures(rig, "jaco", "jaco_", applyAt);
  figure("jaco_raft_writes", (await raftIndex()) - indexBefore, "entries");
  figure("jaco_deploy_ms", Math.round(runningMs), "ms");
  return runningMs;
}

/** Deletes JACO's deployment, waits for its containers to go, stops the daemons. */
async function jacoTeardown(rig: Rig, leader: RigJacod, nodes: RigJacod[]): Promise<void> {
  const start = performance.now();
  await overSocket(
    leader.socket,
    "/jaco.v1.Deploy/Delete",
    DeleteRequest.toJSON({ deployment: DEPLOYMENT }),
  );
  await waitFor(async () => {
    const left = await Promise.all(rig.hosts.map((host) => containers(host, "jaco_")));
    return left.every((count) => count === 0);
  }, { what: "jaco's containers removed", timeoutMs: 180_000, intervalMs: 250 });
  figure("jaco_delete_ms", Math.round(performance.now() - start), "ms");
  await Promise.all(nodes.map((node) => node.stop()));
}

async function sh(host: RigHost, script: string): Promise<string> {
  return (await host.exec(["sh", "-c", script], { check: true, timeoutMs: 120_000 })).stdout.trim();
}

/** Swarm on the same dockerds: form, create the service, poll until every task runs. */
async function swarmRun(rig: Rig, replicas: number, health: boolean): Promise<number> {
  const [manager, ...workers] = rig.hosts;
  await sh(manager, `docker swarm init --advertise-addr ${manager.address} >/dev/null`);
  const token = await sh(manager, "docker swarm join-token -q worker");
  await Promise.all(workers.map((worker) =>
    sh(
      worker,
      `docker swarm join --advertise-addr ${worker.address} --token ${token} ${manager.address}:2377`,
    )
  ));
  await waitFor(async () => {
    const states = await sh(manager, "docker node ls --format '{{.Status}}'");
    return states.split("\n").filter((state) => state === "Ready").length === rig.hosts.length;
  }, { what: "Ready swarm nodes", timeoutMs: 60_000 });
  const applyAt = Date.now();
  const start = performance.now();
  await sh(
    manager,
    `docker service create -d --no-resolve-image --name web --replicas ${replicas} ` +
      `--endpoint-mode dnsrr --stop-grace-period 1s ${health ? HEALTH_FLAGS : ""}` +
      `${TEST_IMAGE_TAGS[0]} sh -c "${SLEEPER}" >/dev/null`,
  );
  const swarmMs = await waitFor(async () => {
    const lines = await sh(
      manager,
      "docker service ps --filter desired-state=running --format '{{.CurrentState}}' web",
    );
    const up = lines.split("\n").filter((line) => line.startsWith("Running")).length;
    return up === replicas ? performance.now() - start : undefined;
  }, { what: `${replicas} running swarm tasks`, timeoutMs: 300_000, intervalMs: POLL_MS });
  await dockerFigures(rig, "swarm", "web.", applyAt);
  return swarmMs;
}

/** Runs the benchmark (see the module doc). */
export async function run(args: string[]): Promise<void> {
  const replicas = option(args, "replicas", 30);
  const health = args.includes("--healthcheck");
  const support = rigSupport({ docker: true });
  if (!support.ok) throw new Error(`deploy bench needs a rig: ${support.reason}`);
  const rig = await Rig.create({ hosts: 3, docker: true, name: "bdeploy" });
  let jacoMs: number;
  let swarmMs: number;
  try {
    const nodes = await formRigCluster(rig, 3);
    const leader = await leaderOf(nodes);
    jacoMs = await jacoRun(rig, leader, replicas, health);
    await jacoTeardown(rig, leader, nodes);
    swarmMs = await swarmRun(rig, replicas, health);
    figure("swarm_deploy_ms", Math.round(swarmMs), "ms");
  } finally {
    for (const client of clients.values()) client.close();
    clients.clear();
    await rig.close();
  }
  console.log(`ratio jaco_vs_swarm_deploy=${(jacoMs / swarmMs).toFixed(2)}`);
}
