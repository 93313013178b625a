/**
 * The mesh member loop (`mesh_loop.ts`) against in-process state and an in-memory device; the
 * real `jaco0` (wireguard-go, wg, ip) is exercised by tests/rig_net_mesh_test.ts.
 */
import assert from "node:assert/strict";
import { keyToBase64, type MeshDevice, MeshMode } from "../../net/mod.ts";
import { NetKit, until } from "./_kit_test.ts";
import { startMeshLoop } from "./mesh_loop.ts";

/** `jaco0` as data. */
class MemoryDevice implements MeshDevice {
  mode: MeshMode = MeshMode.wireguardGo;
  ensured = 0;
  config = "";
  address = "";
  routes = new Set<string>(["10.244.200.0/24"]);
  closed = false;

  ensure() {
    this.ensured++;
    return Promise.resolve(
      this.mode === MeshMode.unavailable
        ? { mode: this.mode, reason: "no wireguard here" }
        : { mode: this.mode },
    );
  }
  configure(config: string) {
    this.config = config;
    return Promise.resolve();
  }
  ensureAddress(meshIp: string) {
    this.address = meshIp;
    return Promise.resolve();
  }
  syncRoutes(desired: readonly string[]) {
    const stale = [...this.routes].filter((cidr) => !desired.includes(cidr));
    this.routes = new Set(desired);
    return Promise.resolve(stale);
  }
  close() {
    this.closed = true;
    return Promise.resolve();
  }
}

const otherKey = new Uint8Array(32).fill(7);

async function setup(options: { enabled?: boolean; device?: MemoryDevice } = {}) {
  const kit = new NetKit();
  await kit.apply({
    $case: "nodeJoin",
    value: { hostname: "a", address: "10.0.0.1:7001" } as never,
  });
  const dataDir = await Deno.makeTempDir();
  const device = options.device ?? new MemoryDevice();
  const modes: string[] = [];
  const resolved: string[] = [];
  const loop = startMeshLoop({
    nodeName: "a",
    config: { dataDir, wgPort: 51999 },
    state: kit.state,
    submit: (payload, identity) => kit.apply(payload, identity),
    log: kit.log,
    signal: new AbortController().signal,
    reportMeshMode: (mode) => modes.push(mode),
  }, {
    device,
    enabled: () => Promise.resolve(options.enabled ?? true),
    resolve: (host) => {
      resolved.push(host);
      return Promise.resolve(host === "node-c.example" ? "10.0.0.3" : undefined);
    },
    tickMs: 3_600_000,
    debounceMs: 10,
  });
  return {
    kit,
    device,
    modes,
    resolved,
    loop,
    async [Symbol.asyncDispose]() {
      await loop.stop();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

Deno.test("mesh loop publishes its key, gets 10.99.0.1 and follows Node/Subnet events without the tick", async () => {
  await using t = await setup();
  const { kit, device } = t;
  await until("own mesh address", () => device.address === "10.99.0.1");
  assert.deepEqual(kit.submitted.slice(1), ["system nodeUpdateSelf"]);
  const self = kit.state.view().node("a")!;
  assert.equal(self.wireguardPubkey.length, 32);
  assert.match(device.config, /^\[Interface\]\nPrivateKey = \S{43}=\nListenPort = 51999\n$/);
  assert.deepEqual([...device.routes], [], "the stale route is removed");
  assert.ok(kit.logs.includes("info wireguard stale routes removed"));
  assert.deepEqual(t.modes.at(-1), MeshMode.wireguardGo);

  await kit.apply({
    $case: "nodeJoin",
    value: { hostname: "b", address: "10.0.0.2:7001" } as never,
  });
  await kit.apply({
    $case: "nodeUpdateSelf",
    value: { hostname: "b", wireguardPubkey: otherKey } as never,
  });
  await kit.apply({
    $case: "subnetAllocate",
    value: { deployment: "web", network: "_default", host: "b", cidr: "10.244.1.0/24" },
  });
  await kit.apply({
    $case: "subnetAllocate",
    value: { deployment: "web", network: "_default", host: "a", cidr: "10.244.0.0/24" },
  });
  await until("peer b with its /24", () => device.config.includes("[Peer]"));
  await until("route to b's /24", () => device.routes.has("10.244.1.0/24"));
  assert.ok(
    device.config.endsWith(
      `[Peer]\nPublicKey = ${keyToBase64(otherKey)}\n` +
        "AllowedIPs = 10.99.0.2/32, 10.244.1.0/24\nEndpoint = 10.0.0.2:51999\n" +
        "PersistentKeepalive = 25\n",
    ),
    device.config,
  );
  assert.deepEqual([...device.routes], ["10.244.1.0/24"], "own /24 is not routed on jaco0");
  assert.ok(kit.logs.includes("info wireguard peer set reconciled"));
  assert.equal(device.ensured, 1, "event passes do not re-create the device");

  await kit.apply({
    $case: "subnetFree",
    value: { deployment: "web", network: "_default", host: "b" },
  });
  await until("b's /24 unrouted", () => !device.routes.has("10.244.1.0/24"));
  await until("b's /24 out of allowed IPs", () => device.config.includes("10.99.0.2/32\n"));
});

Deno.test("mesh loop resolves a DNS-name peer address and keeps an unresolvable peer without endpoint", async () => {
  await using t = await setup();
  const { kit, device } = t;
  for (
    const [hostname, address, fill] of [["c", "node-c.example:7001", 3], [
      "d",
      "nowhere:7001",
      4,
    ]] as const
  ) {
    await kit.apply({ $case: "nodeJoin", value: { hostname, address } as never });
    await kit.apply({
      $case: "nodeUpdateSelf",
      value: { hostname, wireguardPubkey: new Uint8Array(32).fill(fill) } as never,
    });
  }
  await until("two peers", () => device.config.split("[Peer]").length === 3);
  assert.match(device.config, /Endpoint = 10\.0\.0\.3:51999\n/);
  const peerD = device.config.split("[Peer]")[2];
  assert.ok(!peerD.includes("Endpoint"), peerD);
  assert.ok(t.resolved.includes("nowhere"));
  assert.ok(kit.logs.includes("warn wireguard resolve nowhere failed"));
  await kit.apply({
    $case: "nodeJoin",
    value: { hostname: "e", address: "10.0.0.5:7001" } as never,
  });
  await kit.apply({
    $case: "nodeUpdateSelf",
    value: { hostname: "e", wireguardPubkey: new Uint8Array(32).fill(5) } as never,
  });
  await until("three peers", () => device.config.split("[Peer]").length === 4);
  assert.deepEqual(t.resolved.sort(), ["node-c.example", "nowhere"], "event passes reuse answers");
});

Deno.test("mesh loop without Docker on the host touches no device and publishes nothing", async () => {
  await using t = await setup({ enabled: false });
  await until("mode reported", () => t.modes.length > 0);
  assert.equal(t.device.ensured, 0);
  assert.deepEqual(t.modes, [MeshMode.unavailable]);
  assert.deepEqual(t.kit.submitted, ["alice nodeJoin"]);
  assert.ok(t.kit.logs.includes("info wireguard mesh disabled: no docker on this host"));
});

Deno.test("mesh loop without WireGuard logs once, reports unavailable and publishes no key", async () => {
  const device = new MemoryDevice();
  device.mode = MeshMode.unavailable;
  await using t = await setup({ device });
  await until("device tried", () => device.ensured > 0);
  await until("mode reported", () => t.modes.length > 0);
  assert.deepEqual(t.modes, [MeshMode.unavailable]);
  assert.deepEqual(t.kit.submitted, ["alice nodeJoin"]);
  assert.equal(
    t.kit.logs.filter((line) => line === "warn wireguard unavailable, mesh disabled").length,
    1,
  );
  await t.loop.stop();
  assert.ok(device.closed, "stop closes the device");
});
