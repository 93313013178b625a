/**
 * `deno task bench network`: JACO's data plane on a 2-host rig (tests/rig: a network namespace
 * and dockerd per host, real jacod on each, the WireGuard mesh through wireguard-go):
 *
 * 1. East-west TCP throughput: a `cli` container on node-2 downloads a blob (`--mib`, default
 *    128 MiB, busybox `wget -O /dev/null`) from a busybox httpd in the `srv` container on node-1
 *    over the mesh (bridge → host routing → `jaco0` → peer → bridge), versus the same container
 *    pair over the plain rig link (each host's route to the other's /24 replaced by one via the
 *    peer's `eth0` address; no NAT either way, the firewall's pool exemptions admit it). Best of
 *    `--rounds` (default 2) each; ratio `mesh_vs_direct_throughput` = mesh / direct. Also printed:
 *    the same download between the two host namespaces (busybox httpd/wget on `eth0`).
 *    wireguard-go is CPU-bound on this machine (see the multi-host note): reported as measured,
 *    no goal asserted.
 * 2. DNS query latency: `--queries` (default 2000) sequential UDP A queries for `srv` from node-2's
 *    host namespace to node-2's responder (its gateway `:53`), p50/p99/max; and the same through
 *    the chain a container uses (from the `cli` container's network namespace to Docker's
 *    embedded resolver `127.0.0.11`, which forwards to the responder).
 * 3. Published port vs direct: a Deno load generator (tests/_rig_http_probe.ts `load`,
 *    `--concurrency` workers, default 4, for `--seconds`, default 5, a new TCP connection per
 *    request as busybox httpd closes them) in node-1's host namespace asks `srv` through the
 *    published port (`<node-1 address>:8080`, DNAT in nftables' output hook) and directly
 *    (`<container IP>:80`); the two alternate for `--rounds` rounds, mean requests/s of each;
 *    ratio `published_port_vs_direct` (goal ≥ 0.9).
 *
 * Decisions:
 * - The load generator runs beside the replica (node-1) so both paths differ only by the DNAT:
 *   from node-2, "direct" would cross the mesh while the published port would not.
 * - The generator is the same process for both targets; on 2 shared cores it is part of the
 *   cost of each request, equally for both.
 *
 * Prints `name value unit` lines; the last two are `ratio mesh_vs_direct_throughput=<x>` and
 * `ratio published_port_vs_direct=<y>`. A bench, not a test: it prints, it asserts no goal.
 *
 * @module
 */
import { type RigHost, rigSupport, waitFor } from "../rig/mod.ts";
import { formRigCluster } from "../_rig_jacod.ts";
import {
  allRunning,
  applyStack,
  busyboxCompose,
  containerIp,
  containersOf,
  jacoYaml,
  pinned,
  SLEEP,
  stackRig,
} from "../_rig_stack.ts";
import { figure, option } from "./_figures.ts";

const root = new URL("../../", import.meta.url).pathname;

const compose = (mib: number) =>
  busyboxCompose({
    srv: `command:
  - sh
  - -c
  - >-
    mkdir -p /tmp/blob && dd if=/dev/zero of=/tmp/blob/blob bs=1048576 count=${mib} 2>/dev/null
    && httpd -p 81 -h /tmp/blob && touch /tmp/ready && exec httpd -f -p 80 -h /www
ports: ["8080:80"]
healthcheck:
  test: ["CMD", "test", "-f", "/tmp/ready"]
  interval: 500ms
  timeout: 2s
  retries: 3`,
    cli: SLEEP,
  });

const benchJaco = jacoYaml("bench", pinned("srv", ["node-1"]), pinned("cli", ["node-2"]));

/** The id of `bench`'s `service` container on `host`; throws when there is none. */
async function containerOf(host: RigHost, service: string): Promise<string> {
  const [found] = await containersOf(host, "bench", service);
  if (!found) throw new Error(`no ${service} container on ${host.name}`);
  return found.id;
}

/** Runs `cmd` and returns its wall time in seconds; throws when it fails. */
async function timed(run: () => Promise<{ code: number; stderr: string }>): Promise<number> {
  const started = performance.now();
  const result = await run();
  if (result.code !== 0) throw new Error(`transfer failed: ${result.stderr}`);
  return (performance.now() - started) / 1000;
}

/** A Deno helper script run inside `host` (after `prefix`, e.g. nsenter); its last stdout line. */
async function deno(
  host: RigHost,
  script: string,
  args: string[],
  prefix: string[] = [],
): Promise<Record<string, number>> {
  const result = await host.exec([
    ...prefix,
    Deno.execPath(),
    "run",
    "-A",
    `${root}${script}`,
    ...args,
  ], {
    timeoutMs: 300_000,
    check: true,
  });
  const last = result.stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(last);
}

/** Runs the benchmark (see the module doc for the options). */
export async function run(args: string[]): Promise<void> {
  const mib = option(args, "mib", 128);
  const rounds = option(args, "rounds", 2);
  const queries = option(args, "queries", 2000);
  const seconds = option(args, "seconds", 5);
  const concurrency = option(args, "concurrency", 4);
  const support = rigSupport({ docker: true, tools: ["wg", "wireguard-go", "nft"] });
  if (!support.ok) throw new Error(`network bench needs a rig: ${support.reason}`);
  const rig = await stackRig("bnet", 2);
  let meshRatio: number;
  let portRatio: number;
  try {
    const nodes = await formRigCluster(rig, 2);
    const [node1, node2] = rig.hosts;
    await applyStack(nodes[0], benchJaco, compose(mib));
    await waitFor(() => allRunning(nodes[0], "bench", 2), {
      what: "srv on node-1 and cli on node-2 running",
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    const srv = await containerOf(node1, "srv");
    const cli = await containerOf(node2, "cli");
    const srvIp = await containerIp(node1, srv, "jaco_bench__default");
    const cliIp = await containerIp(node2, cli, "jaco_bench__default");
    const blobUrl = `http://${srvIp}:81/blob`;
    // The mesh path must work before it is timed (routes follow the subnets within ~200 ms).
    await waitFor(
      async () =>
        (await node2.docker(["exec", cli, "timeout", "3", "wget", "-qO-", `http://${srvIp}/`]))
          .code === 0,
      { what: `${cliIp} on node-2 reaching ${srvIp} on node-1 over the mesh`, timeoutMs: 60_000 },
    );

    // 1. Throughput: mesh (container → container) vs the plain link (host → host).
    const blobDir = `${node1.dir}/blob`;
    await Deno.mkdir(blobDir, { recursive: true });
    await node1.exec([
      "dd",
      "if=/dev/zero",
      `of=${blobDir}/blob`,
      "bs=1048576",
      `count=${mib}`,
    ], { check: true });
    node1.spawn(["busybox", "httpd", "-f", "-p", "18081", "-h", blobDir], {
      logPath: `${node1.dir}/log/blob-httpd.log`,
    });
    const directUrl = `http://${node1.address}:18081/blob`;
    await waitFor(
      async () =>
        (await node2.exec(["timeout", "3", "busybox", "wget", "-qO-", `${directUrl}x`])).stderr
          .includes("404"),
      { what: "the plain-link httpd on node-1", timeoutMs: 10_000 },
    );
    const subnetOf = async (host: RigHost) =>
      (await host.docker([
        "network",
        "inspect",
        "-f",
        "{{(index .IPAM.Config 0).Subnet}}",
        "jaco_bench__default",
      ], { check: true })).stdout.trim();
    const [subnet1, subnet2] = [await subnetOf(node1), await subnetOf(node2)];
    const blob = (url: string) => () =>
      node2.docker(["exec", cli, "wget", "-qO", "/dev/null", url], { timeoutMs: 600_000 });
    let meshSeconds = Infinity;
    let hostSeconds = Infinity;
    for (let round = 0; round < rounds; round++) {
      meshSeconds = Math.min(meshSeconds, await timed(blob(blobUrl)));
      hostSeconds = Math.min(
        hostSeconds,
        await timed(() =>
          node2.exec(["busybox", "wget", "-qO", "/dev/null", directUrl], { timeoutMs: 600_000 })
        ),
      );
    }
    // The same container pair over the plain link: both /24s routed via the peer's eth0 instead
    // of jaco0 (the mesh loop puts its routes back on its next tick; a transfer during which it
    // did is discarded and repeated).
    const plainRoutes = async () => {
      await node2.exec(["ip", "route", "replace", subnet1, "via", node1.address, "dev", "eth0"], {
        check: true,
      });
      await node1.exec(["ip", "route", "replace", subnet2, "via", node2.address, "dev", "eth0"], {
        check: true,
      });
    };
    const stillPlain = async () =>
      (await node2.exec(["ip", "route", "show", subnet1], { check: true })).stdout.includes(
        `via ${node1.address}`,
      ) &&
      (await node1.exec(["ip", "route", "show", subnet2], { check: true })).stdout.includes(
        `via ${node2.address}`,
      );
    let directSeconds = Infinity;
    for (let round = 0, tries = 0; round < rounds && tries < rounds * 3; tries++) {
      await plainRoutes();
      const seconds = await timed(blob(blobUrl));
      if (!await stillPlain()) continue;
      directSeconds = Math.min(directSeconds, seconds);
      round++;
    }
    if (directSeconds === Infinity) throw new Error("the plain-link routes never held");
    const mbit = (seconds: number) => (mib * 8 * 1.048576) / seconds;
    figure("mesh_throughput", mbit(meshSeconds), "Mbit/s");
    figure("direct_throughput", mbit(directSeconds), "Mbit/s");
    figure("host_to_host_throughput", mbit(hostSeconds), "Mbit/s");
    meshRatio = mbit(meshSeconds) / mbit(directSeconds);

    // 2. DNS latency against node-2's responder.
    const { stdout: gateway } = await node2.docker([
      "network",
      "inspect",
      "-f",
      "{{(index .IPAM.Config 0).Gateway}}",
      "jaco_bench__default",
    ], { check: true });
    const dns = await deno(node2, "tests/bench/_network_dns_client.ts", [
      gateway.trim(),
      "srv",
      String(queries),
    ]);
    figure("dns_queries_answered", dns.answered, "queries");
    figure("dns_p50", dns.p50_ms, "ms");
    figure("dns_p99", dns.p99_ms, "ms");
    figure("dns_max", dns.max_ms, "ms");
    const answered = (dns as unknown as { addresses: string[] }).addresses;
    if (JSON.stringify(answered) !== JSON.stringify([srvIp])) {
      throw new Error(`srv resolved to ${answered}, not ${srvIp}`);
    }
    // The whole chain a container sees: Docker's embedded resolver (127.0.0.11 in the `cli`
    // container's network namespace) forwarding to the same responder.
    const { stdout: cliPid } = await node2.docker(["inspect", "-f", "{{.State.Pid}}", cli], {
      check: true,
    });
    const chain = await deno(node2, "tests/bench/_network_dns_client.ts", [
      "127.0.0.11",
      "srv",
      String(queries),
    ], ["nsenter", "-t", cliPid.trim(), "-n"]);
    figure("dns_chain_queries_answered", chain.answered, "queries");
    figure("dns_chain_p50", chain.p50_ms, "ms");
    figure("dns_chain_p99", chain.p99_ms, "ms");

    // 3. Published port vs direct, from node-1's own namespace, alternating.
    const published: number[] = [];
    const direct: number[] = [];
    const load = (url: string) =>
      deno(node1, "tests/_rig_http_probe.ts", [
        "load",
        url,
        String(seconds * 1000),
        String(concurrency),
      ]);
    for (let round = 0; round < rounds; round++) {
      const viaDirect = await load(`http://${srvIp}:80/`);
      const viaPort = await load(`http://${node1.address}:8080/`);
      if (viaDirect.errors > 0 || viaPort.errors > 0) {
        throw new Error(`errors: direct ${viaDirect.errors}, published ${viaPort.errors}`);
      }
      direct.push(viaDirect.rps);
      published.push(viaPort.rps);
      figure(`round${round + 1}_direct_p99`, viaDirect.p99_ms, "ms");
      figure(`round${round + 1}_published_p99`, viaPort.p99_ms, "ms");
    }
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    figure("direct_rps", mean(direct), "req/s");
    figure("published_port_rps", mean(published), "req/s");
    portRatio = mean(published) / mean(direct);
  } finally {
    await rig.close();
  }
  console.log(`ratio mesh_vs_direct_throughput=${meshRatio.toFixed(3)}`);
  console.log(`ratio published_port_vs_direct=${portRatio.toFixed(2)}`);
}
