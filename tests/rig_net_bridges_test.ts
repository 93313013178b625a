/**
 * Issue 6, IPAM + bridges on 2 rig hosts (networking.md §1–§3): a deployment with two compose
 * networks and a global service gets, on each host, one Docker network per network with that
 * host's own /24 of `ipam_pool` (distinct across hosts and networks), bridge
 * `jaco-<h4(dep)>-<h4(net)>`, MTU 1420, gateway `.1`, the `jaco.*` labels, and its containers
 * use the gateways as DNS servers. Dropping a network from the deployment removes its bridges
 * (after the subnet GC grace) and keeps the other's. `jaco delete` removes the networks and Linux bridges on every
 * host and frees the subnets in replicated state: a deployment applied right after gets the
 * lowest octets (`10.244.0.0/24`, …) again.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type RigHost, rigSupport } from "./rig/mod.ts";
import { formRigCluster, type RigJacod } from "./_rig_jacod.ts";
import {
  allRunning,
  applyStack,
  busyboxCompose,
  containersOf,
  globalService,
  jacoYaml,
  SLEEP,
  stackRig,
} from "./_rig_stack.ts";

const support = rigSupport({ docker: true });
if (!support.ok) console.log(`rig net bridges tests skipped: ${support.reason}`);

const h4 = (text: string) => createHash("sha1").update(text).digest("hex").slice(0, 4);

const compose = (networks: string[]) =>
  busyboxCompose(
    { web: `${SLEEP}\nnetworks: [${networks.join(", ")}]` },
    `networks:\n${networks.map((n) => `  ${n}: {}`).join("\n")}\n`,
  );

/** Applies `deployment` (its `web` global, on `networks`) through `node`'s CLI. */
async function apply(node: RigJacod, deployment: string, networks: string[]): Promise<void> {
  await applyStack(node, jacoYaml(deployment, globalService("web")), compose(networks));
}

interface NetworkInspect {
  Name: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  IPAM: { Config: { Subnet: string; Gateway: string }[] };
  Containers: Record<string, { IPv4Address: string }>;
}

async function inspectNetwork(host: RigHost, name: string): Promise<NetworkInspect | undefined> {
  const result = await host.docker(["network", "inspect", name]);
  return result.code === 0 ? JSON.parse(result.stdout)[0] : undefined;
}

async function jacoNetworks(host: RigHost): Promise<string[]> {
  const { stdout } = await host.docker(
    ["network", "ls", "--filter", "label=jaco.subnet", "--format", "{{.Name}}"],
    { check: true },
  );
  return stdout.split("\n").filter((line) => line !== "").sort();
}

Deno.test({
  name:
    "rig net bridges: per-host /24 bridges with name/MTU/labels/gateway DNS; delete removes them",
  ignore: !support.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using rig = await stackRig("netbr", 2);
    const nodes = await formRigCluster(rig, 2);
    const follower = nodes[1];
    await apply(follower, "shop", ["front", "back"]);
    await rig.waitFor(() => allRunning(follower, "shop", 2), {
      what: "shop's web running on both hosts",
      timeoutMs: 90_000,
    });

    const cidrs: string[] = [];
    for (const host of rig.hosts) {
      for (const network of ["front", "back"]) {
        const name = `jaco_shop_${network}`;
        const live = await inspectNetwork(host, name);
        assert.ok(live, `${name} on ${host.name}`);
        const [config] = live.IPAM.Config;
        assert.equal(live.IPAM.Config.length, 1);
        assert.match(config.Subnet, /^10\.244\.\d{1,3}\.0\/24$/);
        assert.equal(config.Gateway, config.Subnet.replace(/0\/24$/, "1"));
        cidrs.push(config.Subnet);
        assert.equal(live.Labels["jaco.deployment"], "shop");
        assert.equal(live.Labels["jaco.network"], network);
        assert.equal(live.Labels["jaco.host"], host.name);
        assert.equal(live.Labels["jaco.subnet"], config.Subnet);
        assert.ok(live.Labels["jaco.cluster_id"]);
        const bridge = `jaco-${h4("shop")}-${h4(network)}`;
        assert.equal(live.Options["com.docker.network.bridge.name"], bridge);
        assert.equal(live.Options["com.docker.network.driver.mtu"], "1420");
        const link = await host.exec(["ip", "-j", "link", "show", bridge], { check: true });
        assert.equal(JSON.parse(link.stdout)[0].mtu, 1420);
        const addresses = Object.values(live.Containers).map((c) => c.IPv4Address);
        assert.equal(addresses.length, 1, `one web container on ${host.name}/${network}`);
        assert.equal(
          addresses[0].split(".").slice(0, 3).join("."),
          config.Gateway.split(".").slice(0, 3).join("."),
        );
      }
      const [web] = await containersOf(host, "shop");
      const dns = await host.docker(
        ["inspect", "-f", "{{json .HostConfig.Dns}}", web.id],
        { check: true },
      );
      const gateways = cidrs.slice(-2).map((cidr) => cidr.replace(/0\/24$/, "1"));
      assert.deepEqual(JSON.parse(dns.stdout).sort(), gateways.sort(), `DNS of ${host.name}`);
    }
    assert.equal(new Set(cidrs).size, 4, `distinct /24s: ${cidrs.join(" ")}`);
    assert.deepEqual(
      [...cidrs].sort(),
      ["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24"],
    );

    // Dropping a network from the deployment: its /24s are freed (after the GC grace) and
    // its bridges removed on both hosts; the kept network keeps its /24.
    const front = await Promise.all(
      rig.hosts.map(async (host) => (await inspectNetwork(host, "jaco_shop_front"))?.Labels),
    );
    await apply(follower, "shop", ["front"]);
    for (const host of rig.hosts) {
      await rig.waitFor(async () => (await jacoNetworks(host)).join() === "jaco_shop_front", {
        what: `jaco_shop_back gone on ${host.name}`,
        timeoutMs: 90_000,
      });
    }
    const frontAfter = await Promise.all(
      rig.hosts.map(async (host) => (await inspectNetwork(host, "jaco_shop_front"))?.Labels),
    );
    assert.deepEqual(frontAfter, front);

    // Delete, then at once a new deployment: it gets the freed lowest octets even while shop's
    // bridges may still hold them on a host (stale holders are replaced, not overlapped).
    await follower.jaco(["delete", "shop"], { check: true });
    await apply(follower, "blog", ["default"]);
    await rig.waitFor(() => allRunning(follower, "blog", 2), {
      what: "blog's web running on both hosts",
      timeoutMs: 90_000,
    });
    for (const host of rig.hosts) {
      await rig.waitFor(
        async () => (await jacoNetworks(host)).join() === "jaco_blog__default",
        { what: `only blog's network left on ${host.name}`, timeoutMs: 60_000 },
      );
      const links = await host.exec(["ip", "-j", "link", "show", "type", "bridge"], {
        check: true,
      });
      const names = (JSON.parse(links.stdout) as { ifname: string }[]).map((l) => l.ifname);
      assert.deepEqual(
        names.filter((n) => n.startsWith("jaco-")),
        [`jaco-${h4("blog")}-${h4("_default")}`],
        `bridges on ${host.name}`,
      );
    }
    const blog = await Promise.all(
      rig.hosts.map(async (host) =>
        (await inspectNetwork(host, "jaco_blog__default"))?.IPAM.Config[0].Subnet
      ),
    );
    assert.deepEqual(blog.sort(), ["10.244.0.0/24", "10.244.1.0/24"]);
  },
});
