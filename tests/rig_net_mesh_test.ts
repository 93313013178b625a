/**
 * Issue 6, the WireGuard mesh on 3 rig hosts (networking.md §4), with `wg_port: 51999` (not the
 * default) in every jacod.yaml:
 *
 * - every host gets `jaco0` (wireguard-go: this kernel has no WireGuard module) listening on
 *   51999 with its mesh address from replicated state (`10.99.0.1..3`, distinct), its peers are
 *   the other two hosts (their keys from `Node.wireguard_pubkey`, endpoint `<rig address>:51999`,
 *   allowed IPs their mesh /32), and `cluster status` reports `mesh_mode: wireguard-go` and each
 *   member's `mesh_ip`;
 * - every host pings every other host's mesh address through the tunnel;
 * - a deployment with `api` (busybox httpd) pinned to node-2 and `client` pinned to node-1: node-1
 *   routes node-2's /24 over `jaco0` with `src` = its mesh address, node-2's peer entry on node-1
 *   carries that /24, and the client container on node-1 fetches `http://api/cgi-bin/peer` **by
 *   its compose name** from the api container on node-2 — a CGI that answers that container's
 *   hostname and the `REMOTE_ADDR` it saw: the client container's own address (no SNAT);
 * - a container of another deployment on node-1 cannot reach the api container on node-2 by IP
 *   (isolation promise 1 holds across the mesh), while the mesh client can;
 * - jacod SIGKILLed and restarted on node-1 adopts the running wireguard-go (`jaco0` and its key
 *   unchanged, still exactly one wireguard-go in the host) and the client still reaches `api`;
 *   a graceful stop of that jacod stops wireguard-go (`jaco0` disappears).
 *
 * Timing figures (printed, not asserted): apply → first successful cross-host fetch, how long
 * node-1 takes to route node-2's /24 after node-2's bridge exists, and the mean ping round trip
 * between hosts over `jaco0` versus over the plain rig link.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type RigHost, rigSupport } from "./rig/mod.ts";
import { formRigCluster, type RigJacod } from "./_rig_jacod.ts";
import {
  applyStack,
  busyboxCompose,
  containerIp,
  containersOf,
  jacoYaml,
  pinned,
  SLEEP,
  stackRig,
} from "./_rig_stack.ts";

const support = rigSupport({ docker: true, tools: ["wg", "wireguard-go", "nft"] });
if (!support.ok) console.log(`rig net mesh tests skipped: ${support.reason}`);

const WG_PORT = 51999;

const compose = busyboxCompose({
  api: `command:
  - sh
  - -c
  - |
    cat > /www/cgi-bin/peer <<'EOF'
    #!/bin/sh
    printf 'Content-Type: text/plain\\r\\n\\r\\n'
    echo "$$REMOTE_ADDR $$(hostname)"
    EOF
    chmod +x /www/cgi-bin/peer
    exec httpd -f -p 80 -h /www`,
  client: SLEEP,
});
const jaco = jacoYaml("mesh", pinned("api", ["node-2"]), pinned("client", ["node-1"]));

const otherCompose = busyboxCompose({ probe: SLEEP });
const otherJaco = jacoYaml("other", pinned("probe", ["node-1"]));

interface StatusJson {
  mesh_mode: string;
  nodes: { hostname: string; mesh_ip: string }[];
}

interface WgDump {
  publicKey: string;
  listenPort: number;
  peers: { publicKey: string; endpoint: string; allowedIps: string[] }[];
}

/** `wg show jaco0 dump` of a host, parsed; undefined when jaco0 is not there. */
async function wgDump(host: RigHost): Promise<WgDump | undefined> {
  const result = await host.exec(["wg", "show", "jaco0", "dump"]);
  if (result.code !== 0) return undefined;
  const [iface, ...peers] = result.stdout.trim().split("\n").map((line) => line.split("\t"));
  return {
    publicKey: iface[1],
    listenPort: Number(iface[2]),
    peers: peers.map((fields) => ({
      publicKey: fields[0],
      endpoint: fields[2],
      allowedIps: fields[3] === "(none)" ? [] : fields[3].split(","),
    })),
  };
}

async function status(node: RigJacod): Promise<StatusJson> {
  const { stdout } = await node.jaco(["cluster", "status", "-o", "json"], { check: true });
  return JSON.parse(stdout);
}

async function jaco0Addresses(host: RigHost): Promise<string[]> {
  const { stdout } = await host.exec(["ip", "-j", "-4", "addr", "show", "dev", "jaco0"]);
  const [link] = JSON.parse(stdout || "[]") as {
    addr_info: { local: string; prefixlen: number }[];
  }[];
  return (link?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
}

async function jaco0Routes(host: RigHost): Promise<{ dst: string; prefsrc?: string }[]> {
  const { stdout } = await host.exec(["ip", "-j", "-4", "route", "show", "dev", "jaco0"]);
  return JSON.parse(stdout || "[]");
}

async function containerOf(host: RigHost, service: string): Promise<string | undefined> {
  return (await containersOf(host, "mesh", service))[0]?.id;
}

async function subnetOn(host: RigHost): Promise<string | undefined> {
  const result = await host.docker(["network", "inspect", "jaco_mesh__default"]);
  if (result.code !== 0) return undefined;
  return JSON.parse(result.stdout)[0].IPAM.Config[0].Subnet;
}

/**
 * `wget http://api/cgi-bin/peer` inside `container` (busybox wget -T crashes: `timeout`): the
 * api's CGI answers `<REMOTE_ADDR> <hostname>`.
 */
async function fetchApi(host: RigHost, container: string): Promise<string | undefined> {
  const result = await host.docker(
    ["exec", container, "timeout", "5", "wget", "-qO-", "http://api/cgi-bin/peer"],
    { timeoutMs: 15_000 },
  );
  // httpd listens on IPv6 too, so REMOTE_ADDR is IPv4-mapped: `[::ffff:10.244.0.2]`.
  return result.code === 0 ? result.stdout.trim().replace(/^\[::ffff:([\d.]+)\]/, "$1") : undefined;
}

/** The average of busybox ping's `round-trip min/avg/max = a/b/c ms` line. */
function averageRttMs(output: string): number {
  const match = /min\/avg\/max = [\d.]+\/([\d.]+)\//.exec(output);
  if (!match) throw new Error(`no round-trip line in ${output}`);
  return Number(match[1]);
}

async function wireguardGoPids(host: RigHost): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of host.processes()) {
    const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
    if (cmdline.split("\0")[0].endsWith("wireguard-go")) pids.push(pid);
  }
  return pids;
}

Deno.test({
  name:
    "rig net mesh: jaco0 on wg_port with raft-assigned mesh IPs, pings, cross-host HTTP by compose name, restart adopts",
  ignore: !support.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using rig = await stackRig("netmesh", 3);
    const nodes = await formRigCluster(rig, 3, { extraConfig: [`wg_port: ${WG_PORT}`] });
    const [one, two] = rig.hosts;

    // Mesh addresses and modes as every member reports them.
    const meshIps = await rig.waitFor(async () => {
      const answers = await Promise.all(nodes.map(status));
      const ips = answers[0].nodes.map((node) => node.mesh_ip);
      const agreed = answers.every((answer) =>
        answer.mesh_mode === "wireguard-go" &&
        JSON.stringify(answer.nodes.map((node) => node.mesh_ip)) === JSON.stringify(ips)
      );
      return agreed && ips.every((ip) => ip !== "") ? ips : undefined;
    }, { what: "mesh_ip of every node and mesh_mode wireguard-go everywhere", timeoutMs: 30_000 });
    assert.deepEqual([...meshIps].sort(), ["10.99.0.1", "10.99.0.2", "10.99.0.3"]);
    const meshIpOf = new Map(rig.hosts.map((host, i) => [host.name, meshIps[i]]));

    // The device on every host: port, address, the two peers with their endpoint and /32.
    const keys = new Map<string, string>();
    for (const host of rig.hosts) {
      const dump = await rig.waitFor(async () => {
        const live = await wgDump(host);
        return live?.peers.length === 2 && live.peers.every((peer) => peer.endpoint !== "(none)")
          ? live
          : undefined;
      }, { what: `jaco0 with 2 peers on ${host.name}`, timeoutMs: 30_000 });
      assert.equal(dump.listenPort, WG_PORT, `listen port on ${host.name}`);
      keys.set(host.name, dump.publicKey);
      assert.deepEqual(await jaco0Addresses(host), [`${meshIpOf.get(host.name)}/32`]);
      const routes = await jaco0Routes(host);
      assert.ok(routes.some((route) => route.dst === "10.99.0.0/24"), `mesh /24 on ${host.name}`);
    }
    for (const host of rig.hosts) {
      const dump = (await wgDump(host))!;
      const others = rig.hosts.filter((other) => other !== host);
      assert.deepEqual(
        dump.peers.map((peer) => peer.publicKey).sort(),
        others.map((other) => keys.get(other.name)).sort(),
        `peers of ${host.name}`,
      );
      for (const other of others) {
        const peer = dump.peers.find((p) => p.publicKey === keys.get(other.name))!;
        assert.equal(peer.endpoint, `${other.address}:${WG_PORT}`);
        assert.deepEqual(peer.allowedIps, [`${meshIpOf.get(other.name)}/32`]);
      }
    }

    // Every host pings every other host's mesh address (through the tunnel: jaco0 owns 10.99.0.0/24).
    const rtts = { mesh: [] as number[], direct: [] as number[] };
    for (const host of rig.hosts) {
      for (const other of rig.hosts.filter((o) => o !== host)) {
        const ping = await host.exec(
          ["busybox", "ping", "-c", "3", "-W", "3", meshIpOf.get(other.name)!],
          { timeoutMs: 20_000 },
        );
        assert.equal(ping.code, 0, `${host.name} -> ${other.name}: ${ping.stdout}${ping.stderr}`);
        rtts.mesh.push(averageRttMs(ping.stdout));
        const direct = await host.exec(["busybox", "ping", "-c", "3", other.address], {
          timeoutMs: 20_000,
          check: true,
        });
        rtts.direct.push(averageRttMs(direct.stdout));
      }
    }
    const transfers = await two.exec(["wg", "show", "jaco0", "transfer"], { check: true });
    assert.ok(
      transfers.stdout.trim().split("\n").every((line) => Number(line.split("\t")[1]) > 0),
      `node-2 received over every peer: ${transfers.stdout}`,
    );

    // A replica on node-1 reaches a service of its deployment on node-2 by compose name.
    const appliedAt = Date.now();
    await applyStack(nodes[0], jaco, compose);
    const twoSubnet = await rig.waitFor(() => subnetOn(two), {
      what: "node-2's bridge for mesh/_default",
      timeoutMs: 90_000,
      intervalMs: 50,
    });
    const bridgeAt = Date.now();
    await rig.waitFor(async () => (await jaco0Routes(one)).some((r) => r.dst === twoSubnet), {
      what: `node-1 routes ${twoSubnet} over jaco0`,
      timeoutMs: 40_000,
      intervalMs: 50,
    });
    const routeLagMs = Date.now() - bridgeAt;
    const route = (await jaco0Routes(one)).find((r) => r.dst === twoSubnet)!;
    assert.equal(route.prefsrc, meshIpOf.get("node-1"), "route src = node-1's mesh address");
    const towardTwo = (await wgDump(one))!.peers.find((p) => p.publicKey === keys.get("node-2"))!;
    assert.deepEqual(
      towardTwo.allowedIps.sort(),
      [`${meshIpOf.get("node-2")}/32`, twoSubnet].sort(),
    );

    const client = await rig.waitFor(() => containerOf(one, "client"), {
      what: "client container on node-1",
      timeoutMs: 90_000,
    });
    const api = await rig.waitFor(() => containerOf(two, "api"), {
      what: "api container on node-2",
      timeoutMs: 90_000,
    });
    const apiHostname = (await two.docker(["inspect", "-f", "{{.Config.Hostname}}", api], {
      check: true,
    })).stdout.trim();
    const answer = await rig.waitFor(() => fetchApi(one, client), {
      what: "client on node-1 fetching http://api/ on node-2",
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    const fetchAfterApplyMs = Date.now() - appliedAt;
    const clientIp = await containerIp(one, client, "jaco_mesh__default");
    assert.equal(
      answer,
      `${clientIp} ${apiHostname}`,
      "the api container on node-2 answers and sees the client's own address (no SNAT)",
    );
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    console.log(
      `mesh figures: apply -> first cross-host fetch ${fetchAfterApplyMs} ms; ` +
        `node-2 bridge -> node-1 route ${routeLagMs} ms; ping rtt over jaco0 ` +
        `${mean(rtts.mesh).toFixed(3)} ms vs direct ${mean(rtts.direct).toFixed(3)} ms`,
    );

    // Promise 1 across hosts: another deployment's container on node-1 has a route to the api
    // container on node-2 over the mesh, yet cannot reach it; the mesh client still can by IP.
    await applyStack(nodes[0], otherJaco, otherCompose);
    const probe = await rig.waitFor(async () => (await containersOf(one, "other"))[0]?.id, {
      what: "other's probe on node-1",
      timeoutMs: 90_000,
    });
    const probeSubnet = (JSON.parse(
      (await one.docker(["network", "inspect", "jaco_other__default"], { check: true })).stdout,
    )[0].IPAM.Config[0].Subnet) as string;
    await rig.waitFor(async () => (await jaco0Routes(two)).some((r) => r.dst === probeSubnet), {
      what: `node-2 routes other's ${probeSubnet} back over jaco0 (the path exists)`,
      timeoutMs: 40_000,
    });
    const apiIp = await containerIp(two, api, "jaco_mesh__default");
    const byIp = (container: string) =>
      one.docker(
        ["exec", container, "timeout", "3", "wget", "-qO-", `http://${apiIp}/cgi-bin/peer`],
        { timeoutMs: 15_000 },
      );
    assert.equal((await byIp(client)).code, 0, "the mesh client reaches the api by IP");
    const denied = await byIp(probe);
    assert.notEqual(denied.code, 0, `other's probe must not reach ${apiIp}: ${denied.stdout}`);

    // SIGKILL + restart of jacod on node-1: wireguard-go and jaco0 are adopted, not duplicated.
    const before = await wireguardGoPids(one);
    assert.equal(before.length, 1, `one wireguard-go on node-1: ${before}`);
    await nodes[0].kill();
    await nodes[0].start();
    await rig.waitFor(async () => (await status(nodes[0])).mesh_mode === "wireguard-go", {
      what: "mesh_mode wireguard-go after the restart",
      timeoutMs: 30_000,
    });
    assert.deepEqual(await wireguardGoPids(one), before, "the same wireguard-go process");
    assert.equal((await wgDump(one))?.publicKey, keys.get("node-1"), "the same key");
    assert.deepEqual(await jaco0Addresses(one), [`${meshIpOf.get("node-1")}/32`]);
    assert.equal(
      await fetchApi(one, client),
      `${clientIp} ${apiHostname}`,
      "still reachable after the restart",
    );

    // A graceful stop ends the adopted wireguard-go: jaco0 goes with it.
    await nodes[0].stop();
    await rig.waitFor(async () => (await wireguardGoPids(one)).length === 0, {
      what: "wireguard-go gone after jacod stopped",
      timeoutMs: 10_000,
    });
    assert.equal(await wgDump(one), undefined, "jaco0 removed");
  },
});
