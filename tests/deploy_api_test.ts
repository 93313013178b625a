/**
 * End to end: the deploy API on three real `jacod`s with the real `jaco` CLI (no container
 * runtime: replicas are never observed, so convergence is not asserted; applies use
 * `--detach`). The sample stack pins `db` to `node-1`, so the cluster is formed with that name.
 *
 * Shows: dry-run diff writes nothing; apply commits revision 1 readable on a follower
 * (`status`/`get` json); a changed apply through a follower's socket → revision 2 with a real
 * dry-run diff; rollback restores revision 1's services and routes; privileged service with a
 * non-privileged token over TLS → `privilege_denied` naming the service; a port owned by another
 * deployment → `port_conflict`; logs of an unknown service → `unknown_service`; registry
 * login/list/logout; delete → gone, delete again → `deployment_not_found`; audit records it all.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type ClusterMember, formCluster, jaco, pollUntil, stopDaemon } from "./_daemon.ts";

const samples = new URL("./samples/", import.meta.url);
const root = new URL("../", import.meta.url).pathname;

async function jacoWithStdin(args: string[], stdin: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}cli/main.ts`, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { JACO_TOKEN: "", JACO_SERVER: "", JACO_SOCKET: "", JACO_CA_CERT: "" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Accumulates a child's output as text while it runs. */
function collectText(stream: ReadableStream<Uint8Array>) {
  const result = { text: "", done: Promise.resolve() };
  result.done = (async () => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) result.text += chunk;
  })();
  return result;
}

async function json(args: string[]) {
  const run = await jaco([...args, "-o", "json"]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

Deno.test({
  name:
    "deploy API: apply, dry-run diff, follower apply, rollback, privileged fence, delete, registry",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const members: ClusterMember[] = [];
    const work = await Deno.makeTempDir({ prefix: "jaco-deploy-api-" });
    try {
      await formCluster(["node-1", "node-2", "node-3"], "jaco-deploy-api-", members);
      const [one, two] = members;
      const s1 = ["--socket", one.setup.socket];
      const s2 = ["--socket", two.setup.socket];
      const jacoPath = `${work}/jaco.yaml`;
      await Deno.writeTextFile(jacoPath, await Deno.readTextFile(new URL("jaco.yaml", samples)));
      await Deno.copyFile(new URL("compose.yml", samples), `${work}/compose.yml`);

      const dry = await jaco(["apply", jacoPath, "--dry-run", ...s1]);
      assert.equal(dry.code, 0, dry.stderr);
      assert.equal(
        dry.stdout,
        "+ route web.sample.test/\n+ service agent\n+ service api\n+ service db\n+ service web\n" +
          "+ tcp 15432\n",
      );
      assert.deepEqual(await json(["get", "deployments", ...s1]), []);

      const applied = await jaco(["apply", jacoPath, "--detach", ...s1]);
      assert.equal(applied.code, 0, applied.stderr);
      assert.match(applied.stdout, /\nApplied revision: 1\n$/);

      const watch = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${root}cli/main.ts`, "status", "sample", "-w", ...s1],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { JACO_TOKEN: "", JACO_SERVER: "", JACO_SOCKET: "", JACO_CA_CERT: "" },
      }).spawn();
      const watched = collectText(watch.stdout);

      // Status follows the real state: without a container engine nothing runs, so the
      // scheduler reports the deployment degraded with a reason.
      const status = await pollUntil("revision 1 degraded on a follower", async () => {
        const doc = await json(["status", "sample", ...s2]);
        return doc.deployments[0]?.status === "degraded" ? doc : undefined;
      }, { timeoutMs: 15_000, pollMs: 200 });
      const [sample] = status.deployments;
      assert.deepEqual(
        [sample.name, sample.applied_revision, sample.previous_revision],
        ["sample", 1, 0],
      );
      assert.match(sample.status_details.reason, /service "web": 0 of 2 running/);
      assert.match(sample.status_details.replicas, /^0\/\d+ running$/);
      assert.deepEqual(status.routes.map((r: { domain: string }) => r.domain), ["web.sample.test"]);
      const detail = await json(["get", "deployment", "sample", ...s2]);
      assert.equal(detail.applied_revision, 1);
      assert.deepEqual(
        detail.services.map((s: { name: string; replicas: number }) => `${s.name}=${s.replicas}`),
        ["agent=1", "api=2", "db=1", "web=2"],
      );
      const table = await jaco(["get", "deployments", ...s2]);
      assert.match(
        table.stdout,
        /^Deployments:\nDEPLOYMENT +REVISION +PREVIOUS +STATUS +SERVICES\n/,
      );
      assert.match(table.stdout, /\nsample +1 +0 +DEGRADED +agent,api,db,web\n$/);

      // Revision 2 through the follower's socket: web scaled, a second route.
      await Deno.writeTextFile(
        jacoPath,
        (await Deno.readTextFile(jacoPath)).replace(
          "- name: web\n    replicas: 2",
          "- name: web\n    replicas: 3",
        ) + "  - domain: api.sample.test\n    service: api\n    port: 8081\n",
      );
      const diff = await jaco(["apply", jacoPath, "--dry-run", ...s2]);
      assert.equal(diff.code, 0, diff.stderr);
      assert.equal(diff.stdout, "+ route api.sample.test/\n~ service web: replicas 2 → 3\n");
      const second = await jaco(["apply", jacoPath, "--detach", ...s2]);
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /Applied revision: 2\n$/);
      const routes = await pollUntil("revision 2 routes", async () => {
        const listed = await json(["get", "routes", ...s1]);
        return listed.length === 2 ? listed : undefined;
      }, { timeoutMs: 10_000, pollMs: 200 });
      assert.deepEqual(routes.map((r: { domain: string }) => r.domain), [
        "api.sample.test",
        "web.sample.test",
      ]);

      await pollUntil(
        "status -w re-prints revision 2",
        () =>
          Promise.resolve(
            /\n---\nDeployments:\n.*\nsample +2 +1 +[A-Z]+/.test(watched.text) || undefined,
          ),
        {
          timeoutMs: 15_000,
          pollMs: 200,
        },
      );
      watch.kill("SIGINT");
      assert.equal((await watch.status).code, 0);
      await watched.done;
      assert.match(
        watched.text,
        /^Deployments:\nDEPLOYMENT +REVISION +PREVIOUS +STATUS +DETAILS\nsample +1 +0 +[A-Z]+/,
      );

      const rolled = await jaco(["rollback", "sample", ...s1]);
      assert.equal(rolled.code, 0, rolled.stderr);
      assert.equal(rolled.stdout, "Rolled back to revision: 1\n");
      const after = await json(["get", "deployment", "sample", ...s1]);
      assert.deepEqual([after.applied_revision, after.previous_revision], [1, 2]);
      assert.equal(after.services.find((s: { name: string }) => s.name === "web").replicas, 2);
      assert.deepEqual(
        (await json(["get", "routes", ...s1])).map((r: { domain: string }) => r.domain),
        ["web.sample.test"],
      );

      // Privileged fence over TLS with a token lacking allows_privileged.
      const issued = await jaco(["token", "issue", "bob", ...s1]);
      const token = /: ([0-9a-f]{64})\n$/.exec(issued.stdout)?.[1];
      assert.ok(token, issued.stderr);
      await Deno.writeTextFile(`${work}/priv.yaml`, "deployment: priv\n");
      await Deno.writeTextFile(
        `${work}/priv-compose.yml`,
        'services:\n  tool:\n    image: jaco-test/busybox:1\n    privileged: true\n    labels:\n      jaco.io/allow-privileged: "true"\n',
      );
      const tcp = [
        "--server",
        `127.0.0.1:${two.setup.grpcPort}`,
        "--ca-cert",
        `${two.setup.dataDir}/node/ca.crt`,
        "--token",
        token,
      ];
      const denied = await jaco([
        "apply",
        `${work}/priv.yaml`,
        "-f",
        `${work}/priv-compose.yml`,
        "--detach",
        ...tcp,
      ]);
      assert.equal(denied.code, 1);
      assert.equal(
        denied.stderr,
        'Error: privilege_denied: token "bob" lacks allows_privileged; service "tool" uses privileged\n',
      );

      // A second deployment publishing the sample's TCP port.
      await Deno.writeTextFile(`${work}/other.yaml`, "deployment: other\n");
      await Deno.writeTextFile(
        `${work}/other-compose.yml`,
        'services:\n  x:\n    image: jaco-test/busybox:1\n    ports: ["15432:1"]\n',
      );
      const conflict = await jaco([
        "apply",
        `${work}/other.yaml`,
        "--compose",
        `${work}/other-compose.yml`,
        ...s1,
      ]);
      assert.equal(conflict.code, 1);
      assert.match(
        conflict.stderr,
        /^Error: port_conflict: host port 15432 is already published by deployment "sample"\n$/,
      );

      const logs = await jaco(["logs", "sample/cache", ...s1]);
      assert.equal(logs.code, 1);
      assert.match(logs.stderr, /^Error: unknown_service: /);

      const login = await jacoWithStdin(
        ["registry", "login", "https://GHCR.io/acme/", "-u", "robot", "--password-stdin", ...s2],
        "hunter2\n",
      );
      assert.equal(login.code, 0, login.stderr);
      assert.equal(login.stdout, "Stored credential for ghcr.io/acme (user robot)\n");
      const registries = await json(["registry", "list", ...s1]);
      assert.deepEqual(
        registries.credentials.map((
          c: { registry: string; username: string },
        ) => [c.registry, c.username]),
        [["ghcr.io/acme", "robot"]],
      );
      const logout = await jaco(["registry", "logout", "ghcr.io/acme", ...s1]);
      assert.equal(logout.stdout, "Removed credential for ghcr.io/acme\n");

      // Without a container engine the revision cannot converge: apply waits, then exits 1.
      await Deno.writeTextFile(`${work}/prog.yaml`, "deployment: prog\n");
      await Deno.writeTextFile(
        `${work}/prog-compose.yml`,
        "services:\n  x:\n    image: jaco-test/busybox:1\n    pull_policy: never\n",
      );
      const progress = await jaco([
        "apply",
        `${work}/prog.yaml`,
        "--compose",
        `${work}/prog-compose.yml`,
        "--timeout",
        "3s",
        ...s1,
      ]);
      assert.equal(progress.code, 1, progress.stdout);
      assert.match(progress.stdout, /^\+ service x\nApplied revision: 1\n/);
      assert.match(progress.stderr, /^revision 1 (failed: .+|did not converge within 3s: .+)\n$/);
      assert.equal((await jaco(["delete", "prog", ...s1])).code, 0);

      const deleted = await jaco(["delete", "sample", ...s2]);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.equal(deleted.stdout, "Deleted deployment: sample\n");
      const gone = await jaco(["get", "deployment", "sample", ...s2]);
      assert.equal(gone.code, 1);
      assert.equal(gone.stderr, 'deployment "sample" not found\n');
      const again = await jaco(["delete", "sample", ...s1]);
      assert.equal(again.code, 1);
      assert.equal(again.stderr, 'Error: deployment_not_found: deployment "sample" not found\n');

      const audit = await json([
        "audit",
        "--type",
        "apply,rollback,delete,registry_credential_upsert",
        ...s1,
      ]);
      assert.deepEqual(
        audit.filter((e: { payload: Record<string, string> }) => e.payload.deployment !== "prog")
          .map((e: { type: string; payload: Record<string, string> }) =>
            `${e.type} ${e.payload.revision ?? e.payload.registry ?? e.payload.deployment}`
          ),
        [
          "apply 1",
          "apply 2",
          "rollback 1",
          "registry_credential_upsert ghcr.io/acme",
          "delete sample",
        ],
      );
      assert.ok(!JSON.stringify(audit).includes("hunter2"));
    } finally {
      for (const member of members) await stopDaemon(member.daemon, "SIGTERM");
      for (const member of members) await Deno.remove(member.setup.dir, { recursive: true });
      await Deno.remove(work, { recursive: true });
    }
  },
});
