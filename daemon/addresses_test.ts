import assert from "node:assert/strict";
import { isJacoError } from "../proto/errors.ts";
import { pickAdvertiseAddress, resolveAddresses } from "./addresses.ts";
import type { LocalInterface } from "./pki.ts";

const pool = "10.244.0.0/16";

function v4(name: string, address: string, up = true): LocalInterface {
  return { name, family: "IPv4", address, up };
}

const lo = v4("lo", "127.0.0.1");

function picked(interfaces: LocalInterface[]): string | undefined {
  const pick = pickAdvertiseAddress(interfaces, pool);
  return "address" in pick ? `${pick.interfaceName} ${pick.address}` : undefined;
}

Deno.test("pickAdvertiseAddress() follows the selection matrix", () => {
  const cases: [string, LocalInterface[], string | undefined][] = [
    ["RFC 1918 LAN beats overlay", [
      lo,
      v4("tailscale0", "100.100.1.2"),
      v4("eth0", "192.168.1.20"),
    ], "eth0 192.168.1.20"],
    [
      "RFC 1918 LAN beats CGNAT on a LAN name",
      [v4("eth1", "100.64.0.5"), v4("eth9", "10.1.2.3")],
      "eth9 10.1.2.3",
    ],
    ["each RFC 1918 block qualifies (10/8)", [v4("eth0", "10.0.0.9")], "eth0 10.0.0.9"],
    [
      "each RFC 1918 block qualifies (172.16/12)",
      [v4("eth0", "172.31.255.1")],
      "eth0 172.31.255.1",
    ],
    ["each RFC 1918 block qualifies (192.168/16)", [v4("eth0", "192.168.0.1")], "eth0 192.168.0.1"],
    ["172.32/16 is public", [v4("eth0", "172.32.0.1")], undefined],
    [
      "ties among LANs go by interface name",
      [v4("eth1", "10.0.0.1"), v4("enp3s0", "10.0.0.2")],
      "enp3s0 10.0.0.2",
    ],
    ["then by IP text", [v4("eth0", "10.0.0.9"), v4("eth0", "10.0.0.10")], "eth0 10.0.0.10"],
    ["RFC 1918 on an overlay interface is class 2", [
      v4("wg0", "10.9.0.1"),
      v4("tun0", "100.64.0.1"),
      v4("zz", "192.168.9.9"),
    ], "zz 192.168.9.9"],
    ["overlay only: tailscale", [lo, v4("tailscale0", "100.101.7.3")], "tailscale0 100.101.7.3"],
    ["overlay ties by name", [
      v4("wg0", "10.9.0.1"),
      v4("jaco0", "10.8.0.1"),
      v4("tap0", "172.16.5.5"),
    ], "jaco0 10.8.0.1"],
    ["CGNAT on any interface is overlay", [v4("ens5", "100.127.255.254")], "ens5 100.127.255.254"],
    ["100.128/10 is not CGNAT", [v4("ens5", "100.128.0.1")], undefined],
    [
      "public addresses are never picked",
      [v4("eth0", "203.0.113.5"), v4("wg0", "198.51.100.7")],
      undefined,
    ],
    ["loopback is never picked", [lo, v4("tun0", "127.0.0.2")], undefined],
    ["link-local is never picked", [v4("eth0", "169.254.3.4")], undefined],
    ["multicast is never picked", [v4("eth0", "224.0.0.251")], undefined],
    [
      "down interfaces are skipped",
      [v4("eth0", "10.0.0.1", false), v4("eth1", "192.168.0.2")],
      "eth1 192.168.0.2",
    ],
    ["only down interfaces: none", [v4("eth0", "10.0.0.1", false)], undefined],
    [
      "up absent counts as up",
      [{ name: "eth0", family: "IPv4", address: "10.0.0.1" }],
      "eth0 10.0.0.1",
    ],
    ["docker0 is skipped", [v4("docker0", "172.17.0.1"), v4("eth0", "10.0.0.1")], "eth0 10.0.0.1"],
    ["virtual bridges are skipped", [
      v4("br-1a2b", "172.18.0.1"),
      v4("veth9", "10.1.0.1"),
      v4("virbr0", "192.168.122.1"),
      v4("docker_gwbridge", "172.19.0.1"),
    ], undefined],
    [
      "addresses inside ipam_pool are skipped",
      [v4("eth0", "10.244.3.1"), v4("eth1", "10.245.0.1")],
      "eth1 10.245.0.1",
    ],
    [
      "IPv6 is never picked",
      [{ name: "eth0", family: "IPv6", address: "fd00::2", up: true }],
      undefined,
    ],
    ["no interfaces at all", [], undefined],
  ];
  for (const [name, interfaces, expected] of cases) {
    assert.equal(picked(interfaces), expected, name);
  }
});

Deno.test("pickAdvertiseAddress() names the up interface when an address sits on several", () => {
  const pick = pickAdvertiseAddress([v4("eth1", "10.0.0.1", false), v4("eth2", "10.0.0.1")], pool);
  assert.deepEqual(pick, { interfaceName: "eth2", address: "10.0.0.1" });
});

Deno.test("resolveAddresses() uses pinned hosts verbatim for bind and advertise", () => {
  const config = {
    listenAddr: { host: "node-1.lan", port: 7000 },
    clusterAddr: { host: "203.0.113.5", port: 7001 },
    ipamPool: pool,
  };
  // No usable interface at all: pinned values never consult the interfaces.
  assert.deepEqual(resolveAddresses(config, []), {
    listenAddr: { host: "node-1.lan", port: 7000 },
    clusterAddr: { host: "203.0.113.5", port: 7001 },
  });
});

Deno.test("resolveAddresses() replaces only the unspecified hosts with the picked IPv4", () => {
  const interfaces = [lo, v4("eth0", "192.168.1.20")];
  for (const host of ["0.0.0.0", "::", ""]) {
    const resolved = resolveAddresses({
      listenAddr: { host, port: 7000 },
      clusterAddr: { host: "10.9.9.9", port: 7001 },
      ipamPool: pool,
    }, interfaces);
    assert.deepEqual(resolved, {
      listenAddr: { host: "192.168.1.20", port: 7000 },
      clusterAddr: { host: "10.9.9.9", port: 7001 },
      detected: { interfaceName: "eth0", address: "192.168.1.20" },
    });
  }
  const both = resolveAddresses({
    listenAddr: { host: "0.0.0.0", port: 7000 },
    clusterAddr: { host: "0.0.0.0", port: 7001 },
    ipamPool: pool,
  }, interfaces);
  assert.deepEqual([both.listenAddr, both.clusterAddr], [
    { host: "192.168.1.20", port: 7000 },
    { host: "192.168.1.20", port: 7001 },
  ]);
});

Deno.test("resolveAddresses() fails startup with the spec's message when nothing qualifies", () => {
  const cases: [string, string, string][] = [
    ["0.0.0.0", "10.0.0.1", "listen_addr"],
    ["10.0.0.1", "::", "cluster_addr"],
  ];
  for (const [listenHost, clusterHost, field] of cases) {
    assert.throws(
      () =>
        resolveAddresses({
          listenAddr: { host: listenHost, port: 7000 },
          clusterAddr: { host: clusterHost, port: 7001 },
          ipamPool: pool,
        }, [lo, v4("eth0", "203.0.113.5"), v4("eth1", "10.0.0.7", false)]),
      (error) => {
        assert.ok(isJacoError(error));
        assert.equal(error.code, "validation_failed");
        assert.equal(error.details.field, field);
        assert.match(error.message, /^auto-detect advertise IP: /);
        assert.match(
          error.message,
          /; set listen_addr\/cluster_addr in \/etc\/jaco\/jacod\.yaml to a routable host:port$/,
        );
        assert.match(
          error.message,
          /lo 127\.0\.0\.1, eth0 203\.0\.113\.5, eth1 10\.0\.0\.7 \(down\)/,
        );
        return true;
      },
    );
  }
});
