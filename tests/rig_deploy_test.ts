/**
 * Issue 5 end to end on 3 rig hosts (`node-1`..`node-3`), each with its own dockerd: the sample
 * stack, restarts, `depends_on` and delete (scheduling.md §4, §9, §11; cli.md `jaco status`,
 * `jaco get`, `jaco delete`). One rig and one cluster, reused across the steps; every CLI call
 * runs inside a host through the real `jaco`, writes go to a follower (forwarded).
 *
 * - tests/samples applies; every replica runs; `web` (spread, 2) sits on two distinct hosts,
 *   `db` (`placement: hosts`) on node-1, `agent` (global) once per host — as `status -o json`,
 *   `get replicas -o json` and the hosts' own dockerds report.
 * - `docker kill` of a `web` container → the replica is restarted and runs again.
 * - A service that exits 1 s after start (`sleep 1; exit 3`) is restarted until 3 consecutive
 *   failures, then `failed/restart_exhausted` and not restarted; re-applying the same manifests
 *   (a new revision) gives it a fresh budget: its container starts again.
 * - `depends_on: {base: {condition: service_healthy}}`: `app` has no container anywhere while
 *   `base` runs but is not healthy (its healthcheck waits for a file), and gets one once the
 *   file appears.
 * - `jaco delete sample` removes its containers on every host, keeps the named volume (and its
 *   data), and the audit log records the delete.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Rig, type RigHost, rigSupport } from "./rig/mod.ts";
import { formRigCluster, type RigJacod } from "./_rig_jacod.ts";

const support = rigSupport({ docker: true });
if (!support.ok) console.log(`rig deploy tests skipped: ${support.reason}`);

const samples = new URL("./samples/", import.meta.url).pathname;
const NAMES = ["node-1", "node-2", "node-3"];

/** A replica as `jaco get replicas -o json` prints it (the fields used here). */
interface Replica {
  id: string;
  service: string;
  state: string;
  host: string;
  image: string;
  container_id?: string;
  code?: string;
  started_at?: string;
  depends_on?: { service: string; condition?: string; satisfied: boolean }[];
}

/** A container of `docker ps -a` on one host. */
interface Container {
  host: string;
  name: string;
  state: string;
  service: string;
}

/** `jaco apply --detach` of a jaco.yaml/compose pair on `node`; returns the revision. */
async function apply(node: RigJacod, jacoPath: string, composePath: string): Promise<number> {
  const { stdout } = await node.jaco(
    ["apply", "--detach", "--jaco", jacoPath, "-f", composePath, "-o", "json"],
    { check: true },
  );
  return JSON.parse(stdout).revision;
}

/** Writes a jaco.yaml/compose pair to a fresh directory; returns their paths. */
async function writeStack(
  node: RigJacod,
  jaco: string,
  compose: string,
): Promise<[string, string]> {
  const dir = await Deno.makeTempDir({ dir: node.host.dir, prefix: "stack-" });
  await Deno.writeTextFile(`${dir}/jaco.yaml`, jaco);
  await Deno.writeTextFile(`${dir}/compose.yml`, compose);
  return [`${dir}/jaco.yaml`, `${dir}/compose.yml`];
}

/** `jaco get replicas --deployment <d> -o json`. */
async function replicas(node: RigJacod, deployment: string): Promise<Replica[]> {
  const { stdout } = await node.jaco(
    ["get", "replicas", "--deployment", deployment, "-o", "json"],
    { check: true },
  );
  return JSON.parse(stdout);
}

/** Every container of `deployment` on every host, by its `jaco.*` labels. */
async function containers(rig: Rig, deployment: string): Promise<Container[]> {
  const perHost = await Promise.all(rig.hosts.map(async (host: RigHost) => {
    const { stdout } = await host.docker([
      "ps",
      "-a",
      "--filter",
      `label=jaco.deployment=${deployment}`,
      "--format",
      '{{.Names}} {{.State}} {{.Label "jaco.service"}}',
    ], { check: true });
    return stdout.split("\n").filter((line) => line !== "").map((line) => {
      const [name, state, service] = line.split(" ");
      return { host: host.name, name, state, service };
    });
  }));
  return perHost.flat();
}

/** `docker inspect -f <format> <container>` on `host`. */
async function inspect(host: RigHost, container: string, format: string): Promise<string> {
  const { stdout } = await host.docker(["inspect", "-f", format, container], { check: true });
  return stdout.trim();
}

Deno.test({
  name:
    "rig deploy: sample stack placement and status, kill → restart, restart_exhausted and re-apply reset, depends_on deferral, delete keeps volumes",
  ignore: !support.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using rig = await Rig.create({
      hosts: 3,
      docker: true,
      name: "deploy",
      hostNames: NAMES,
    });
    const nodes = await formRigCluster(rig, 3);
    const node = nodes[2]; // a follower: writes are forwarded to node-1
    const hostOf = (name: string) => rig.hosts.find((h) => h.name === name)!;
    try {
      await t.step(
        "the sample stack applies and every replica runs where placement says",
        async () => {
          assert.equal(
            await apply(node, `${samples}jaco.yaml`, `${samples}compose.yml`),
            1,
          );
          const status = await rig.waitFor(async () => {
            const { stdout } = await node.jaco(["status", "sample", "-o", "json"], { check: true });
            const parsed = JSON.parse(stdout);
            return parsed.replicas.length === 8 &&
                parsed.replicas.every((r: Replica) => r.state === "running")
              ? parsed
              : undefined;
          }, { what: "every sample replica running", timeoutMs: 120_000, intervalMs: 1_000 });
          assert.deepEqual(
            status.deployments.map((d: Record<string, unknown>) => [d.name, d.applied_revision]),
            [["sample", 1]],
          );
          const listed: Replica[] = await replicas(node, "sample");
          const byService = (service: string) => listed.filter((r) => r.service === service);
          assert.deepEqual(
            listed.map((r) => r.service).sort(),
            ["agent", "agent", "agent", "api", "api", "db", "web", "web"],
          );
          assert.ok(
            listed.every((r) => r.state === "running" && r.image === "jaco-test/busybox:1"),
          );
          // spread: 2 replicas on 3 hosts → two distinct hosts
          assert.equal(new Set(byService("web").map((r) => r.host)).size, 2);
          assert.deepEqual(byService("db").map((r) => r.host), ["node-1"]);
          assert.deepEqual(byService("agent").map((r) => [r.id, r.host]).sort(), [
            ["sample-agent-node-1", "node-1"],
            ["sample-agent-node-2", "node-2"],
            ["sample-agent-node-3", "node-3"],
          ]);
          // status and get agree; the hosts' dockerds run exactly those containers
          assert.deepEqual(
            status.replicas.map((r: Replica) => `${r.id}@${r.host}`).sort(),
            listed.map((r) => `${r.id}@${r.host}`).sort(),
          );
          const running = await containers(rig, "sample");
          assert.deepEqual(
            running.map((c) => `${c.name}@${c.host} ${c.state}`).sort(),
            listed.map((r) => `jaco_${r.id}@${r.host} running`).sort(),
          );
          // data for the delete step: the named volume must outlive the deployment
          await hostOf("node-1").docker(
            ["exec", "jaco_sample-db-0", "sh", "-c", "echo kept > /data/marker"],
            { check: true },
          );
        },
      );

      await t.step("logs streams every host's replicas, with --tail", async () => {
        const web = (await replicas(node, "sample")).filter((r) => r.service === "web");
        for (const replica of web) {
          // Written to PID 1's stdout, so it lands in the container's log like an app's line.
          for (const n of [1, 2, 3]) {
            await hostOf(replica.host).docker([
              "exec",
              `jaco_${replica.id}`,
              "sh",
              "-c",
              `echo "line-${n} from ${replica.id}" > /proc/1/fd/1`,
            ], { check: true });
          }
        }
        // Asked on node-3: lines of replicas on other hosts arrive over Internal.Logs.
        const { stdout } = await node.jaco(["logs", "sample/web", "--tail", "2", "-o", "json"], {
          check: true,
        });
        const lines = stdout.trim().split("\n").map((l) =>
          JSON.parse(l) as { replica_id: string; host: string; line: string }
        );
        assert.deepEqual(
          lines.map((l) => `${l.replica_id}@${l.host} ${l.line}`).sort(),
          web.flatMap((r) => [
            `${r.id}@${r.host} line-2 from ${r.id}`,
            `${r.id}@${r.host} line-3 from ${r.id}`,
          ]).sort(),
          "the last 2 lines of each web replica, on two hosts",
        );
      });

      await t.step("docker kill of a web container → the replica is restarted", async () => {
        const web = (await replicas(node, "sample")).find((r) => r.service === "web")!;
        const host = hostOf(web.host);
        const name = `jaco_${web.id}`;
        const before = await inspect(host, name, "{{.State.StartedAt}}");
        const killed = Date.now();
        await host.docker(["kill", name], { check: true });
        await rig.waitFor(async () => {
          const started = await inspect(host, name, "{{.State.Running}} {{.State.StartedAt}}")
            .catch(() => "");
          const [running, at] = started.split(" ");
          const replica = (await replicas(node, "sample")).find((r) => r.id === web.id);
          return running === "true" && at !== before && replica?.state === "running";
        }, { what: `${web.id} restarted after docker kill`, timeoutMs: 60_000, intervalMs: 500 });
        console.log(`kill_to_running_ms ${Date.now() - killed}`);
      });

      const crashFiles = await writeStack(
        node,
        "deployment: crashy\nservices:\n  - name: crash\n    replicas: 1\n",
        [
          "services:",
          "  crash:",
          "    image: jaco-test/busybox:1",
          "    pull_policy: never",
          '    command: ["sh", "-c", "sleep 1; exit 3"]',
          "",
        ].join("\n"),
      );
      await t.step(
        "a service exiting after 1 s ends restart_exhausted after 3 failures",
        async () => {
          assert.equal(await apply(node, ...crashFiles), 1);
          const exhausted = await rig.waitFor(async () => {
            const [replica] = await replicas(node, "crashy");
            return replica?.state === "failed" && replica.code === "restart_exhausted"
              ? replica
              : undefined;
          }, { what: "crashy-crash restart_exhausted", timeoutMs: 90_000, intervalMs: 1_000 });
          const { stdout } = await node.jaco(["status", "crashy", "-o", "json"], { check: true });
          const status = JSON.parse(stdout);
          assert.equal(status.deployments[0].status, "degraded");
          assert.match(status.deployments[0].status_details.reason, /restart_exhausted/);
          assert.deepEqual(
            status.replicas.map((
              r: Replica & { message?: string },
            ) => [r.state, r.code, r.message]),
            [[
              "failed",
              "restart_exhausted",
              "restart policy gave up after 3 consecutive failures",
            ]],
          );
          const host = hostOf(exhausted.host);
          const name = `jaco_${exhausted.id}`;
          const startedAt = await inspect(host, name, "{{.State.StartedAt}}");
          // Not restarted any more: the container stays exited and the state terminal across
          // several observation rounds (the watcher polls every second while not running).
          for (let i = 0; i < 5; i++) {
            await new Promise((resolve) => setTimeout(resolve, 1_000));
            assert.equal(await inspect(host, name, "{{.State.Running}}"), "false");
            const [replica] = await replicas(node, "crashy");
            assert.equal(replica.code, "restart_exhausted");
          }
          assert.equal(await inspect(host, name, "{{.State.StartedAt}}"), startedAt);
        },
      );

      await t.step("re-applying the same manifests resets the budget: it runs again", async () => {
        const [before] = await replicas(node, "crashy");
        const host = hostOf(before.host);
        const name = `jaco_${before.id}`;
        const startedAt = await inspect(host, name, "{{.State.StartedAt}}");
        const applied = Date.now();
        assert.equal(await apply(node, ...crashFiles), 2);
        // Well inside the agent's 30 s resync tick: the cleared exhaustion itself starts it.
        await rig.waitFor(async () => {
          const names = (await containers(rig, "crashy")).map((c) => c.name);
          if (names.length !== 1) return false;
          return await inspect(host, names[0], "{{.State.StartedAt}}") !== startedAt;
        }, { what: "crashy-crash started again after re-apply", timeoutMs: 10_000 });
        console.log(`reapply_to_restart_ms ${Date.now() - applied}`);
        await node.jaco(["delete", "crashy"], { check: true });
      });

      await t.step("depends_on service_healthy defers the dependent until it holds", async () => {
        const files = await writeStack(
          node,
          [
            "deployment: deps",
            "services:",
            "  - name: base",
            "    replicas: 1",
            "  - name: app",
            "    replicas: 1",
            "",
          ].join("\n"),
          [
            "services:",
            "  base:",
            "    image: jaco-test/busybox:1",
            "    pull_policy: never",
            '    command: ["sh", "-c", "exec sleep 3600"]',
            "    healthcheck:",
            '      test: ["CMD", "test", "-f", "/tmp/ready"]',
            "      interval: 1s",
            "      timeout: 1s",
            "      retries: 600",
            "  app:",
            "    image: jaco-test/busybox:1",
            "    pull_policy: never",
            '    command: ["sh", "-c", "exec sleep 3600"]',
            "    depends_on:",
            "      base:",
            "        condition: service_healthy",
            "",
          ].join("\n"),
        );
        assert.equal(await apply(node, ...files), 1);
        const base = await rig.waitFor(async () => {
          const found = (await containers(rig, "deps")).find((c) => c.service === "base");
          return found?.state === "running" ? found : undefined;
        }, { what: "base container running", timeoutMs: 60_000, intervalMs: 500 });
        // base runs but is not healthy: for several seconds (many health polls and resyncs)
        // app has no container anywhere and reports the unmet dependency.
        for (let i = 0; i < 4; i++) {
          const listed = await containers(rig, "deps");
          assert.deepEqual(listed.map((c) => c.service), ["base"], JSON.stringify(listed));
          const app = (await replicas(node, "deps")).find((r) => r.service === "app");
          assert.deepEqual(app?.depends_on?.map((d) => [d.service, d.satisfied]), [
            ["base", false],
          ]);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
        await hostOf(base.host).docker(["exec", base.name, "touch", "/tmp/ready"], {
          check: true,
        });
        await rig.waitFor(async () => {
          const app = (await containers(rig, "deps")).find((c) => c.service === "app");
          return app?.state === "running";
        }, { what: "app container running once base is healthy", timeoutMs: 60_000 });
        const app = (await replicas(node, "deps")).find((r) => r.service === "app");
        assert.deepEqual(app?.depends_on?.map((d) => [d.service, d.satisfied]), [["base", true]]);
        await node.jaco(["delete", "deps"], { check: true });
      });

      await t.step(
        "delete removes containers on every host, keeps the volume, audits",
        async () => {
          const { stdout } = await node.jaco(["delete", "sample", "-o", "json"], { check: true });
          assert.deepEqual(JSON.parse(stdout), { deleted: "sample" });
          await rig.waitFor(
            async () => (await containers(rig, "sample")).length === 0,
            { what: "no sample container on any host", timeoutMs: 60_000, intervalMs: 500 },
          );
          const db = hostOf("node-1");
          const volumes = await db.docker(["volume", "ls", "-q"], { check: true });
          assert.match(volumes.stdout, /^jaco_sample_dbdata$/m);
          const kept = await db.docker([
            "run",
            "--rm",
            "-v",
            "jaco_sample_dbdata:/d",
            "jaco-test/busybox:1",
            "cat",
            "/d/marker",
          ], { check: true });
          assert.equal(kept.stdout.trim(), "kept");
          const status = await node.jaco(["status", "-o", "json"], { check: true });
          assert.deepEqual(JSON.parse(status.stdout).deployments, []);
          const audit = await node.jaco(["audit", "--type", "delete", "-o", "json"], {
            check: true,
          });
          const deletes = JSON.parse(audit.stdout).map((e: { payload?: unknown }) => e.payload);
          assert.ok(
            deletes.some((p: Record<string, string>) => p?.deployment === "sample"),
            audit.stdout,
          );
        },
      );
    } catch (error) {
      for (const n of nodes) console.error(`--- ${n.name}\n${(await n.log()).slice(-4_000)}`);
      throw error;
    }
  },
});
