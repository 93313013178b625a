/**
 * Issue 6, cluster-wide published ports on 3 rig hosts (networking.md §7, ingress.md §8, the
 * kernel-DNAT decisions of net/published_ports.ts), seen from other hosts' namespaces:
 *
 * - `web` (busybox httpd, 4 replicas spread 2/1/1, compose `ports: ["8080:80"]`) answers on all
 *   3 hosts' addresses, each host serving from its own replicas (local first: the container
 *   hostname answering belongs to that host), and the local replica sees the client's own
 *   address (kernel DNAT, no masquerade).
 * - `docker kill` of one of the two replicas of the doubled host: a probe on another host keeps
 *   asking that host every 50 ms; traffic moves to the surviving replica (the gap from the kill to
 *   the last failed request is measured and printed) and no request fails afterwards.
 * - A second deployment publishing 8080 → `jaco apply` fails with `port_conflict`; publishing 80
 *   → `reserved_port`.
 * - No healthy replica (every replica's healthcheck reads a flag from a per-host named volume;
 *   the flag is removed on every host, so replacements stay unhealthy too): the port refuses with
 *   TCP RST at once (`Connection refused` in well under a second) instead of vanishing — a
 *   process of the host itself listening on 8080 (busybox httpd saying `intruder`) never gets the
 *   traffic, and `table ip jaco_nat` stays with 8080 in its `idle_ports` set (the RST rule) on
 *   every host. Putting the flag back recovers the port.
 *
 * - Cross-host, over the WireGuard mesh: `solo` (2 replicas pinned to node-1 and node-2,
 *   `ports: ["9090:80"]`) answers on node-3's address from both remote replicas (node-3 has none,
 *   so it DNATs to them, masqueraded); `docker kill` of node-1's moves node-3's traffic to
 *   node-2's (gap measured and printed).
 *
 * @module
 */
import assert from "node:assert/strict";
import { Rig, type RigHost, rigSupport } from "./rig/mod.ts";
import { formRigCluster, type RigJacod } from "./_rig_jacod.ts";

const support = rigSupport({ docker: true, tools: ["nft"] });
if (!support.ok) console.log(`rig net ports tests skipped: ${support.reason}`);

const root = new URL("../", import.meta.url).pathname;

const webCompose = `services:
  web:
    image: jaco-test/busybox:1
    pull_policy: never
    init: true
    stop_grace_period: 1s
    command:
      - sh
      - -c
      - |
        cat > /www/cgi-bin/peer <<'EOF'
        #!/bin/sh
        printf 'Content-Type: text/plain\\r\\n\\r\\n'
        echo "$$REMOTE_ADDR $$(hostname)"
        EOF
        chmod +x /www/cgi-bin/peer
        exec httpd -f -p 80 -h /www
    ports: ["8080:80"]
    volumes: ["flag:/flag"]
    healthcheck:
      test: ["CMD", "test", "-f", "/flag/healthy"]
      interval: 500ms
      timeout: 2s
      retries: 1
volumes:
  flag: {}
`;

const webJaco = `deployment: shop
acme: off
services:
  - name: web
    replicas: 4
`;

const otherCompose = (port: number) =>
  `services:
  copy:
    image: jaco-test/busybox:1
    pull_policy: never
    init: true
    ports: ["${port}:80"]
`;

const otherJaco = `deployment: other
acme: off
services:
  - name: copy
    replicas: 1
`;

const soloCompose = `services:
  solo:
    image: jaco-test/busybox:1
    pull_policy: never
    init: true
    stop_grace_period: 1s
    ports: ["9090:80"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 500ms
      timeout: 2s
      retries: 1
`;

const soloJaco = `deployment: solo
acme: off
services:
  - name: solo
    placement: hosts
    hosts: [node-1, node-2]
    replicas: 2
`;

/** Runs `jaco apply --detach` through `node`'s CLI. */
async function apply(node: RigJacod, jaco: string, compose: string) {
  const dir = await Deno.makeTempDir({ dir: node.host.dir, prefix: "stack-" });
  await Deno.writeTextFile(`${dir}/jaco.yaml`, jaco);
  await Deno.writeTextFile(`${dir}/compose.yml`, compose);
  return await node.jaco(
    ["apply", "--detach", "--jaco", `${dir}/jaco.yaml`, "-f", `${dir}/compose.yml`],
  );
}

/** Whether `count` replicas of `deployment` run (and nothing else). */
async function running(node: RigJacod, deployment: string, count: number): Promise<boolean> {
  const { stdout, code } = await node.jaco(["status", deployment, "-o", "json"]);
  if (code !== 0) return false;
  const replicas = JSON.parse(stdout).replicas as { state: string }[];
  return replicas.length === count && replicas.every((r) => r.state === "running");
}

/** Container ids and hostnames of `web` (or `deployment`/`service`) on `host`. */
async function webContainers(
  host: RigHost,
  deployment = "shop",
  service = "web",
): Promise<{ id: string; hostname: string }[]> {
  const { stdout } = await host.docker([
    "ps",
    "--filter",
    `label=jaco.deployment=${deployment}`,
    "--filter",
    `label=jaco.service=${service}`,
    "--format",
    "{{.ID}}",
  ], { check: true });
  const ids = stdout.split("\n").filter((line) => line.trim() !== "");
  return await Promise.all(ids.map(async (id) => {
    const inspected = await host.docker(["inspect", "-f", "{{.Config.Hostname}}", id], {
      check: true,
    });
    return { id, hostname: inspected.stdout.trim() };
  }));
}

/** `GET http://<address>:<port><path>` from `from` with busybox wget: the body, or the error. */
async function get(
  from: RigHost,
  address: string,
  path = "/cgi-bin/whoami",
  port = 8080,
): Promise<{ ok: boolean; text: string; ms: number }> {
  const started = performance.now();
  const result = await from.exec(
    ["timeout", "5", "busybox", "wget", "-qO-", `http://${address}:${port}${path}`],
    { timeoutMs: 10_000 },
  );
  const ms = performance.now() - started;
  return result.code === 0
    ? { ok: true, text: result.stdout.trim(), ms }
    : { ok: false, text: result.stderr.trim(), ms };
}

/** Sets or clears the health flag in `shop`'s `flag` volume on `host`. */
async function setFlag(host: RigHost, healthy: boolean): Promise<void> {
  const { stdout } = await host.docker(
    ["volume", "ls", "-q", "--filter", "label=jaco.deployment=shop"],
    { check: true },
  );
  const [volume] = stdout.split("\n").filter((line) => line.trim() !== "");
  assert.ok(volume, `shop's flag volume on ${host.name}`);
  await host.docker([
    "run",
    "--rm",
    "-v",
    `${volume}:/flag`,
    "jaco-test/busybox:1",
    "sh",
    "-c",
    healthy ? "touch /flag/healthy" : "rm -f /flag/healthy",
  ], { check: true });
}

/**
 * Probes `url` from `from` every 50 ms for 25 s, runs `kill` once answers flow, and measures the
 * gap from the kill to the last failed request; asserts that requests keep succeeding after it.
 * Returns the bodies (container hostnames) served after the gap.
 */
async function killDuringProbe(
  rig: Rig,
  from: RigHost,
  url: string,
  kill: () => Promise<unknown>,
  label: string,
): Promise<Set<string>> {
  const probeLog = `${from.dir}/log/http-probe-${label}.log`;
  const probe = from.spawn([
    Deno.execPath(),
    "run",
    "-A",
    `${root}tests/_rig_http_probe.ts`,
    "probe",
    url,
    "25000",
    "50",
  ], { logPath: probeLog });
  const lines = async () =>
    (await Deno.readTextFile(probeLog).catch(() => "")).split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { t: number; ok: boolean; body?: string; error?: string });
  await rig.waitFor(async () => (await lines()).filter((l) => l.ok).length >= 10, {
    what: `the ${label} probe getting answers`,
    timeoutMs: 30_000,
  });
  const killedAt = Date.now();
  await kill();
  await probe.status;
  const after = (await lines()).filter((line) => line.t >= killedAt);
  const failures = after.filter((line) => !line.ok);
  const lastFailure = failures.at(-1)?.t ?? killedAt;
  const gapMs = lastFailure - killedAt;
  console.log(
    `ports (${label} replica killed): ${failures.length}/${after.length} probes failed; ` +
      `gap ${gapMs} ms from the kill to the last failed request` +
      failures.map((line) => `\n  +${line.t - killedAt} ms: ${line.error}`).join(""),
  );
  const settled = after.filter((line) => line.t > lastFailure);
  assert.ok(settled.length >= 20, `requests served after the gap: ${settled.length}`);
  assert.ok(gapMs < 15_000, `gap ${gapMs} ms`);
  return new Set(settled.map((line) => line.body ?? ""));
}

Deno.test({
  name: "rig net ports: a published port answers on every host, fails over on kill, " +
    "conflicts are refused at apply, no healthy replica → RST, then recovers",
  ignore: !support.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using rig = await Rig.create({
      hosts: 3,
      docker: true,
      name: "netports",
      hostNames: ["node-1", "node-2", "node-3"],
    });
    const nodes = await formRigCluster(rig, 3);
    const [node1] = nodes;
    // The flag volume is created with the first replica on each host: start healthy.
    const applied = await apply(node1, webJaco, webCompose);
    assert.equal(applied.code, 0, applied.stderr);
    for (const host of rig.hosts) {
      await rig.waitFor(async () => (await webContainers(host)).length > 0, {
        what: `a web container on ${host.name}`,
        timeoutMs: 60_000,
      });
      await setFlag(host, true);
    }
    await rig.waitFor(() => running(node1, "shop", 4), {
      what: "4 web replicas running",
      timeoutMs: 60_000,
    });

    // Every host's address answers, from its own replicas.
    const local = new Map<RigHost, Set<string>>();
    for (const host of rig.hosts) {
      local.set(host, new Set((await webContainers(host)).map((c) => c.hostname)));
    }
    for (const [index, host] of rig.hosts.entries()) {
      const from = rig.hosts[(index + 1) % rig.hosts.length];
      const answer = await rig.waitFor(async () => {
        const result = await get(from, host.address);
        return result.ok ? result.text : undefined;
      }, { what: `web on ${host.address}:8080 from ${from.name}`, timeoutMs: 20_000 });
      assert.ok(
        local.get(host)!.has(answer),
        `${host.name} answered from ${answer}, not one of its own ${[...local.get(host)!]}`,
      );
    }

    // A local replica sees the client's own address (DNAT only, no masquerade).
    for (const [index, host] of rig.hosts.entries()) {
      const from = rig.hosts[(index + 1) % rig.hosts.length];
      const peer = await get(from, host.address, "/cgi-bin/peer");
      assert.ok(peer.ok, peer.text);
      const [remoteAddr, hostname] = peer.text.split(" ");
      // busybox httpd listens on IPv6 and prints IPv4 peers as `[::ffff:a.b.c.d]`.
      const seen = remoteAddr.replace(/^\[::ffff:(.*)\]$/, "$1");
      assert.equal(seen, from.address, `source seen by ${host.name}'s replica`);
      assert.ok(local.get(host)!.has(hostname), `${hostname} is local to ${host.name}`);
    }

    // Kill one replica of the doubled host: traffic moves to the other one.
    const doubled = rig.hosts.find((host) => local.get(host)!.size === 2);
    assert.ok(doubled, "spread put two replicas on one host");
    const prober = rig.hosts.find((host) => host !== doubled)!;
    const [victim, survivor] = await webContainers(doubled);
    const servedLocal = await killDuringProbe(
      rig,
      prober,
      `http://${doubled.address}:8080/cgi-bin/whoami`,
      () => doubled.docker(["kill", victim.id], { check: true }),
      "local",
    );
    assert.ok(servedLocal.has(survivor.hostname), "the surviving local replica serves");

    // Cross-host (over the mesh): node-3 has no `solo` replica, so its 9090 forwards to the
    // replicas on node-1 and node-2 (masqueraded); killing node-1's moves traffic to node-2's.
    const [host1, host2, host3] = rig.hosts;
    const soloApplied = await apply(node1, soloJaco, soloCompose);
    assert.equal(soloApplied.code, 0, soloApplied.stderr);
    await rig.waitFor(() => running(node1, "solo", 2), {
      what: "solo on node-1 and node-2",
      timeoutMs: 60_000,
    });
    const [solo1] = await webContainers(host1, "solo", "solo");
    const [solo2] = await webContainers(host2, "solo", "solo");
    const remoteSeen = new Set<string>();
    await rig.waitFor(async () => {
      const result = await get(host1, host3.address, "/cgi-bin/whoami", 9090);
      if (result.ok) remoteSeen.add(result.text);
      return remoteSeen.size === 2;
    }, { what: "node-3:9090 answering from both remote replicas", timeoutMs: 60_000 });
    assert.deepEqual([...remoteSeen].sort(), [solo1.hostname, solo2.hostname].sort());
    const remote = await killDuringProbe(
      rig,
      host1,
      `http://${host3.address}:9090/cgi-bin/whoami`,
      () => host1.docker(["kill", solo1.id], { check: true }),
      "remote",
    );
    assert.ok(remote.has(solo2.hostname), "node-2's replica serves node-3's port");

    // Conflicts are refused at apply.
    const conflict = await apply(node1, otherJaco, otherCompose(8080));
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /port_conflict: host port 8080 is already published/);
    const reserved = await apply(node1, otherJaco, otherCompose(80));
    assert.notEqual(reserved.code, 0);
    assert.match(reserved.stderr, /reserved_port/);

    // A process of the host itself listening on 8080 never gets the published port's traffic.
    const intruderDir = `${doubled.dir}/intruder`;
    await Deno.mkdir(intruderDir, { recursive: true });
    await Deno.writeTextFile(`${intruderDir}/index.html`, "intruder\n");
    doubled.spawn(["busybox", "httpd", "-f", "-p", "8080", "-h", intruderDir], {
      logPath: `${doubled.dir}/log/intruder.log`,
    });
    await rig.waitFor(
      async () =>
        (await doubled.exec(["busybox", "wget", "-qO-", "http://127.0.0.1:8080/"])).code === 0,
      { what: "the intruder listening on node loopback", timeoutMs: 10_000 },
    );
    const served = await get(prober, doubled.address, "/");
    assert.ok(served.ok && !served.text.includes("intruder"), `served: ${served.text}`);

    // No healthy replica anywhere: refuse with RST, keep the table.
    const refusedAt = performance.now();
    for (const host of rig.hosts) await setFlag(host, false);
    const refused = await rig.waitFor(async () => {
      const result = await get(prober, doubled.address, "/");
      return !result.ok && /refused/i.test(result.text) ? result : undefined;
    }, { what: "8080 refusing on the doubled host", timeoutMs: 30_000 });
    console.log(
      `ports: refusing ${
        (performance.now() - refusedAt).toFixed(0)
      } ms after the flags began going; ` +
        `a refused request took ${refused.ms.toFixed(0)} ms`,
    );
    for (const host of rig.hosts) {
      const from = host === prober ? doubled : prober;
      const result = await get(from, host.address, "/");
      assert.ok(!result.ok, `${host.name} serves nothing: ${result.text}`);
      assert.match(result.text, /refused/i, `${host.name} refuses`);
      assert.ok(result.ms < 1_500, `${host.name} refused in ${result.ms.toFixed(0)} ms`);
      const idle = await host.exec(["nft", "-j", "list", "set", "ip", "jaco_nat", "idle_ports"]);
      assert.equal(idle.code, 0, `jaco_nat still on ${host.name}: ${idle.stderr}`);
      const elements = JSON.parse(idle.stdout).nftables.find((entry: { set?: unknown }) =>
        entry.set
      ).set.elem ?? [];
      assert.ok(elements.includes(8080), `8080 in ${host.name}'s idle_ports: ${idle.stdout}`);
    }

    // Recovery.
    const recoveredAt = performance.now();
    for (const host of rig.hosts) await setFlag(host, true);
    for (const host of rig.hosts) {
      const from = host === prober ? doubled : prober;
      const answer = await rig.waitFor(async () => {
        const result = await get(from, host.address);
        return result.ok ? result.text : undefined;
      }, { what: `web on ${host.name} again`, timeoutMs: 60_000 });
      assert.notEqual(answer, "intruder");
    }
    console.log(
      `ports: serving again on every host ${(performance.now() - recoveredAt).toFixed(0)} ms ` +
        "after the flags began coming back",
    );
  },
});
