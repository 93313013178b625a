/**
 * `deno task bench swarm_deploy`: Docker Swarm, the comparison peer, on a
 * rig of simulated hosts (tests/rig): how long the rig takes to come up and
 * down, what an idle host costs, `docker run --rm` latency, then Swarm
 * forming a cluster, converging a replicated service and rolling it from
 * `jaco-test/busybox:1` to `:2` one task at a time.
 *
 * This kernel has no IPVS, so the service uses `endpoint_mode: dnsrr` with
 * host-mode published ports (no VIP, no routing mesh), and images are never
 * resolved against a registry (none is reachable).
 *
 * Options: `--hosts=<n>` (default 3), `--replicas=<n>` (default 3, at most
 * one per host because of the host-mode port), `--runs=<n>` for
 * `docker run --rm` (default 5). Prints `name value unit` lines.
 *
 * @module
 */

import { Rig, type RigHost, rigSupport, TEST_IMAGE_TAGS } from "../rig/mod.ts";
import { figure as sharedFigure, option } from "./_figures.ts";

function figure(name: string, value: number, unit: string): void {
  sharedFigure(name, value, unit, 1);
}

async function sh(host: RigHost, script: string): Promise<string> {
  return (await host.exec(["sh", "-c", script], { check: true, timeoutMs: 120_000 })).stdout.trim();
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, performance.now() - start];
}

/** Tasks of `service` whose current state is running with `image`. */
async function runningTasks(manager: RigHost, service: string, image: string): Promise<number> {
  const lines = await sh(
    manager,
    `docker service ps --filter desired-state=running --format '{{.Image}} {{.CurrentState}}' ${service}`,
  );
  return lines.split("\n").filter((line) => line.startsWith(`${image} Running`)).length;
}

/** Runs the benchmark (see the module doc for options). */
export async function run(args: string[]): Promise<void> {
  const hostCount = option(args, "hosts", 3);
  const replicas = Math.min(option(args, "replicas", 3), hostCount);
  const runs = option(args, "runs", 5);
  const support = rigSupport({ docker: true });
  if (!support.ok) throw new Error(`swarm_deploy needs a rig: ${support.reason}`);

  const [rig, upMs] = await timed(() =>
    Rig.create({ hosts: hostCount, docker: true, name: "swarm" })
  );
  try {
    figure("rig_up_ms", Math.round(upMs), "ms");
    const rss = rig.hosts.map((host) => host.rssBytes() / 2 ** 20);
    figure("host_idle_rss_mib", rss.reduce((a, b) => a + b, 0) / rss.length, "MiB");
    const [manager, ...workers] = rig.hosts;

    const runMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      runMs.push(
        (await timed(() => sh(manager, `docker run --rm --init ${TEST_IMAGE_TAGS[0]} true`)))[1],
      );
    }
    figure(
      "docker_run_rm_p50_ms",
      Math.round(runMs.sort((a, b) => a - b)[Math.floor(runs / 2)]),
      "ms",
    );

    const [, formMs] = await timed(async () => {
      await sh(manager, `docker swarm init --advertise-addr ${manager.address} >/dev/null`);
      const token = await sh(manager, "docker swarm join-token -q worker");
      await Promise.all(
        workers.map((worker) =>
          sh(
            worker,
            `docker swarm join --advertise-addr ${worker.address} --token ${token} ${manager.address}:2377`,
          )
        ),
      );
      await rig.waitFor(async () => {
        const states = await sh(manager, "docker node ls --format '{{.Status}}'");
        return states.split("\n").filter((state) => state === "Ready").length === hostCount;
      }, { what: `${hostCount} Ready swarm nodes`, timeoutMs: 60_000 });
    });
    figure("swarm_form_ms", Math.round(formMs), "ms");

    const [, convergeMs] = await timed(async () => {
      await sh(
        manager,
        `docker service create -d --no-resolve-image --name web --replicas ${replicas} ` +
          `--endpoint-mode dnsrr --publish mode=host,target=80,published=8080 ` +
          `--replicas-max-per-node 1 --init ${TEST_IMAGE_TAGS[0]} >/dev/null`,
      );
      await rig.waitFor(
        async () => (await runningTasks(manager, "web", TEST_IMAGE_TAGS[0])) === replicas,
        {
          what: `${replicas} running web tasks`,
          timeoutMs: 120_000,
        },
      );
    });
    figure("swarm_service_converge_ms", Math.round(convergeMs), "ms");

    let serving = 0;
    for (const host of rig.hosts) {
      const client = rig.hosts[(host.index + 1) % hostCount];
      const fetched = await client.exec([
        "timeout",
        "3",
        "busybox",
        "wget",
        "-qO-",
        `http://${host.address}:8080/`,
      ]);
      if (fetched.code === 0) serving++;
    }
    figure("swarm_hosts_serving", serving, `of ${hostCount}`);

    const [, rollMs] = await timed(async () => {
      await sh(
        manager,
        `docker service update -d --no-resolve-image --update-parallelism 1 --update-order stop-first ` +
          `--image ${TEST_IMAGE_TAGS[1]} web >/dev/null`,
      );
      await rig.waitFor(
        async () => (await runningTasks(manager, "web", TEST_IMAGE_TAGS[1])) === replicas,
        {
          what: `${replicas} web tasks on ${TEST_IMAGE_TAGS[1]}`,
          timeoutMs: 180_000,
        },
      );
    });
    figure("swarm_rolling_update_ms", Math.round(rollMs), "ms");
  } finally {
    const [, downMs] = await timed(() => rig.close());
    figure("rig_down_ms", Math.round(downMs), "ms");
  }
}
