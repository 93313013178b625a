/**
 * Issue 6, per-bridge DNS on 3 rig hosts (networking.md §6), asked from inside a container
 * through the normal resolver chain (busybox `nslookup` → Docker's embedded resolver
 * `127.0.0.11` → the JACO responder on the local gateway → the forwarder → the upstream):
 *
 * - `api` (2 replicas pinned to node-1 and node-2, healthcheck = a file exists) resolves from a
 *   `probe` container on node-3 to the IPs of both replicas (no local replica there, so the answer
 *   is cluster-wide), also as `api.shop` and `api.shop.jaco.internal`; the replica names
 *   (`shop-api-<i>`, also with `.shop`) resolve to their own IP.
 * - Names of another deployment (`vault`'s service `secret`, on node-3 itself) do not resolve:
 *   NXDOMAIN for `secret` and `secret.vault` (the dotted form is external: the upstream says no).
 * - Other names go to the configured upstream: `dns.forwarders` in every jacod.yaml points at a
 *   tiny DNS server (`tests/_rig_dns_upstream.ts`) running in node-3's namespace; its log shows
 *   the query and the container gets its answer.
 * - `docker exec … rm /tmp/healthy` makes one replica's healthcheck fail: its IP leaves the
 *   answers within 5 s of the fault (measured and printed, with the time Docker took to mark it
 *   unhealthy; ~0.5 s since Docker's health events poke the health watcher), and
 *   the container the runtime starts in its place joins the answers.
 *
 * Decisions: the probe sits on a host without an `api` replica because Docker's embedded resolver
 * answers the service name itself (the runtime attaches it as a network alias, networking.md §3)
 * from the containers of its own host — JACO's responder is only asked for names Docker does not
 * know there, which is also the cross-host case this test is about.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type RigHost, rigSupport } from "./rig/mod.ts";
import { formRigCluster } from "./_rig_jacod.ts";
import {
  allRunning,
  applyStack,
  busyboxCompose,
  containerIp,
  containersOf,
  jacoYaml,
  pinned,
  SLEEP,
  type StackContainer,
  stackRig,
} from "./_rig_stack.ts";

const support = rigSupport({ docker: true });
if (!support.ok) console.log(`rig net dns tests skipped: ${support.reason}`);

const root = new URL("../", import.meta.url).pathname;
const UPSTREAM_PORT = 5353;

const shopCompose = busyboxCompose({
  api: `command: ["sh", "-c", "touch /tmp/healthy; exec httpd -f -p 80 -h /www"]
healthcheck:
  test: ["CMD", "test", "-f", "/tmp/healthy"]
  interval: 500ms
  timeout: 2s
  retries: 1`,
  probe: SLEEP,
});
const shopJaco = jacoYaml("shop", pinned("api", ["node-1", "node-2"]), pinned("probe", ["node-3"]));

const vaultCompose = busyboxCompose({ secret: SLEEP });
const vaultJaco = jacoYaml("vault", pinned("secret", ["node-3"]));

/** One replica's container: where it runs, its id and replica id. */
interface Placed extends StackContainer {
  host: RigHost;
}

/** The containers of `deployment`/`service` on every host, sorted by replica id. */
async function placedOn(
  hosts: readonly RigHost[],
  deployment: string,
  service: string,
): Promise<Placed[]> {
  const found: Placed[] = [];
  for (const host of hosts) {
    for (const container of await containersOf(host, deployment, service)) {
      found.push({ host, ...container });
    }
  }
  return found.sort((a, b) => (a.replica < b.replica ? -1 : 1));
}

/** What busybox `nslookup <name>` in `container` printed: IPv4 answers, or the failure rcode. */
interface Lookup {
  addresses: string[];
  failure?: string;
}

async function nslookup(host: RigHost, container: string, name: string): Promise<Lookup> {
  const { stdout, stderr } = await host.docker(
    ["exec", container, "timeout", "8", "nslookup", "-type=a", name],
    { timeoutMs: 15_000 },
  );
  const text = `${stdout}\n${stderr}`;
  const failure = /can't find [^:]+: (\w+)/.exec(text)?.[1];
  // The server's own "Address: 127.0.0.11:53" line carries a port, answers do not.
  const addresses = [...text.matchAll(/^Address:\s*(\d+\.\d+\.\d+\.\d+)\s*$/gm)]
    .map((match) => match[1])
    .sort();
  return failure === undefined ? { addresses } : { addresses, failure };
}

Deno.test({
  name: "rig net dns: service and replica names resolve cluster-wide in scope only, " +
    "externals are forwarded, an unhealthy replica leaves the answers within 5 s",
  ignore: !support.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using rig = await stackRig("netdns", 3);
    const upstreamHost = rig.hosts[2];
    const upstreamLog = `${upstreamHost.dir}/log/dns-upstream.log`;
    upstreamHost.spawn(
      [
        Deno.execPath(),
        "run",
        "-A",
        `${root}tests/_rig_dns_upstream.ts`,
        upstreamHost.address,
        String(UPSTREAM_PORT),
      ],
      { logPath: upstreamLog },
    );
    await rig.waitFor(
      async () => (await Deno.readTextFile(upstreamLog).catch(() => "")).includes("listening"),
      { what: "the upstream DNS server on node-3", timeoutMs: 30_000 },
    );
    const nodes = await formRigCluster(rig, 3, {
      extraConfig: [
        "dns:",
        `  forwarders: ["${upstreamHost.address}:${UPSTREAM_PORT}"]`,
        "  forwarder_timeout: 1s",
      ],
    });
    const [node1, node2, node3] = nodes;
    await applyStack(node1, shopJaco, shopCompose);
    await applyStack(node2, vaultJaco, vaultCompose);
    await rig.waitFor(() => allRunning(node1, "shop", 3), {
      what: "shop's api on node-1/node-2 and probe on node-3 running",
      timeoutMs: 90_000,
    });
    await rig.waitFor(() => allRunning(node1, "vault", 1), {
      what: "vault's secret running on node-3",
      timeoutMs: 60_000,
    });

    const apis = await placedOn(rig.hosts, "shop", "api");
    assert.equal(apis.length, 2, "two api containers");
    const [api1, api2] = apis;
    assert.notEqual(api1.host, api2.host, "the api replicas sit on two hosts");
    assert.ok(api1.host !== node3.host && api2.host !== node3.host, "no api on node-3");
    const ip1 = await containerIp(api1.host, api1.id, "jaco_shop__default");
    const ip2 = await containerIp(api2.host, api2.id, "jaco_shop__default");
    const both = [ip1, ip2].sort();
    const [probePlaced] = await placedOn(rig.hosts, "shop", "probe");
    assert.equal(probePlaced?.host, node3.host, "the probe runs on node-3");
    const probe = probePlaced.id;

    // The service name, in every in-scope form, from the host without a local replica.
    for (const name of ["api", "api.shop", "api.shop.jaco.internal", "API.jaco.internal"]) {
      const found = await rig.waitFor(async () => {
        const lookup = await nslookup(node3.host, probe, name);
        return JSON.stringify(lookup.addresses) === JSON.stringify(both) ? lookup : undefined;
      }, { what: `${name} → ${both.join(", ")} from node-3's probe`, timeoutMs: 20_000 });
      assert.equal(found.failure, undefined);
    }
    // Replica names.
    assert.deepEqual((await nslookup(node3.host, probe, api1.replica)).addresses, [ip1]);
    assert.deepEqual((await nslookup(node3.host, probe, `${api2.replica}.shop`)).addresses, [ip2]);

    // Another deployment's names do not resolve, even with that replica on the same host.
    const secret = await nslookup(node3.host, probe, "secret");
    assert.deepEqual(secret, { addresses: [], failure: "NXDOMAIN" });
    const secretDotted = await nslookup(node3.host, probe, "secret.vault");
    assert.deepEqual(secretDotted, { addresses: [], failure: "NXDOMAIN" });
    const unknown = await nslookup(node3.host, probe, "nothing-here");
    assert.deepEqual(unknown, { addresses: [], failure: "NXDOMAIN" });

    // External names are forwarded to the configured upstream (node-3's namespace), from every
    // host's responder.
    for (const [host, container] of [[node3.host, probe], [api1.host, api1.id]] as const) {
      const external = await nslookup(host, container, `ext.${host.name}.upstream.test`);
      assert.deepEqual(external, { addresses: ["192.0.2.14"] }, `external lookup on ${host.name}`);
      assert.match(
        await Deno.readTextFile(upstreamLog),
        new RegExp(`query A ext\\.${host.name}\\.upstream\\.test`),
      );
    }
    assert.deepEqual(
      await nslookup(node3.host, probe, "missing.example.invalid"),
      { addresses: [], failure: "NXDOMAIN" },
    );

    // A failing healthcheck takes the replica out of the answers: timed from the fault (file
    // removed) and from the moment Docker marks the container unhealthy (polled alongside).
    const failedAt = performance.now();
    await api1.host.docker(["exec", api1.id, "rm", "-f", "/tmp/healthy"], { check: true });
    const unhealthy = rig.waitFor(async () => {
      const { stdout } = await api1.host.docker(
        ["inspect", "-f", "{{.State.Health.Status}}", api1.id],
      );
      return stdout.trim() === "unhealthy" ? performance.now() : undefined;
    }, { what: `${api1.replica} unhealthy in Docker`, timeoutMs: 20_000, intervalMs: 50 });
    await rig.waitFor(async () => {
      const { addresses } = await nslookup(node3.host, probe, "api");
      return JSON.stringify(addresses) === JSON.stringify([ip2]);
    }, { what: `api → only ${ip2} after ${api1.replica}'s check fails`, timeoutMs: 20_000 });
    const goneAt = performance.now();
    const unhealthyAt = await unhealthy;
    const leftMs = goneAt - failedAt;
    const afterDockerMs = goneAt - unhealthyAt;
    console.log(
      `dns: unhealthy replica left the answers ${leftMs.toFixed(0)} ms after its check began ` +
        `failing (Docker marked it unhealthy after ${(unhealthyAt - failedAt).toFixed(0)} ms; ` +
        `${afterDockerMs.toFixed(0)} ms from there)`,
    );
    // Docker's health_status event makes the health watcher poll at once (runtime), so the bar
    // holds from the fault itself, not only from the 5 s running poll of scheduling.md §8.
    assert.ok(leftMs < 5_000, `left ${leftMs.toFixed(0)} ms after the check began failing`);

    // The runtime replaces the unhealthy container; the replacement joins the answers.
    const backFrom = performance.now();
    const back = await rig.waitFor(async () => {
      const { addresses } = await nslookup(node3.host, probe, "api");
      return addresses.length === 2 && addresses.includes(ip2) ? addresses : undefined;
    }, { what: "api → two replicas again", timeoutMs: 60_000 });
    const replaced = await placedOn(rig.hosts, "shop", "api");
    const ips = await Promise.all(
      replaced.map((placed) => containerIp(placed.host, placed.id, "jaco_shop__default")),
    );
    assert.deepEqual(back, ips.sort());
    console.log(
      `dns: replacement replica in the answers ${(performance.now() - backFrom).toFixed(0)} ms ` +
        "after the unhealthy one left",
    );
  },
});
