/**
 * {@link HostMeshDevice} against the real tools (`ip`, `wg`, `wireguard-go`). The checks run in a
 * throwaway network + mount namespace (own `/run`, so `/run/wireguard/jaco0.sock` is private):
 * the outer test re-runs this file under `unshare` with `JACO_MESH_NETNS=1`, where the inner
 * tests run; `jaco0` never appears in the machine's own namespace. Skipped with a printed reason
 * without root, `unshare`, `wg` or `wireguard-go`.
 */
import assert from "node:assert/strict";
import { HostMeshDevice, MeshMode } from "./wireguard_device.ts";
import { generatePrivateKey, keyToBase64, publicKeyOf } from "./wireguard_key.ts";

const inside = Deno.env.get("JACO_MESH_NETNS") === "1";

function missing(): string | undefined {
  if (Deno.uid() !== 0) return "needs root";
  for (const tool of ["unshare", "wg", "wireguard-go", "ip"]) {
    try {
      new Deno.Command(tool, { args: ["--version"], stdout: "null", stderr: "null" }).outputSync();
    } catch {
      return `${tool} not found`;
    }
  }
  return undefined;
}
const skip = inside ? undefined : missing();
/** Registers an inner test: only inside the namespace (outside, nothing of it is registered). */
function insideTest(definition: Deno.TestDefinition): void {
  if (inside) Deno.test(definition);
}
/** Registers the outer test, which re-runs this file inside: only outside. */
function outsideTest(definition: Deno.TestDefinition): void {
  if (!inside) Deno.test(definition);
}
if (skip) console.log(`wireguard device tests skipped: ${skip}`);

async function sh(...args: string[]): Promise<string> {
  const out = await new Deno.Command(args[0], { args: args.slice(1), stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return text;
}

outsideTest({
  name: "HostMeshDevice runs against ip/wg/wireguard-go in a private network namespace",
  ignore: skip !== undefined,
  async fn() {
    const file = new URL(import.meta.url).pathname;
    const out = await new Deno.Command("unshare", {
      args: [
        "--net",
        "--mount",
        "--fork",
        "sh",
        "-c",
        'mount -t tmpfs tmpfs /run && ip link set lo up && exec "$0" test -A "$1"',
        Deno.execPath(),
        file,
      ],
      env: { JACO_MESH_NETNS: "1", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.ok(out.success, text);
    assert.match(text, /ok \| 3 passed \| 0 failed/, text);
  },
});

insideTest({
  name:
    "HostMeshDevice: wireguard-go jaco0, configure (wg set, syncconf fallback), one /32, routes with src, stale ones deleted",
  async fn() {
    const stateDir = await Deno.makeTempDir();
    const device = new HostMeshDevice({ stateDir });
    try {
      assert.deepEqual(await device.ensure(), { mode: MeshMode.wireguardGo });
      const pid = Number(await Deno.readTextFile(`${stateDir}/wireguard-go.pid`));
      assert.ok(pid > 0);
      const own = await generatePrivateKey();
      const peer = keyToBase64(await publicKeyOf(await generatePrivateKey()));
      const config = (allowed: string) =>
        `[Interface]\nPrivateKey = ${keyToBase64(own)}\nListenPort = 51999\n\n` +
        `[Peer]\nPublicKey = ${peer}\nAllowedIPs = ${allowed}\nEndpoint = 192.0.2.7:51999\n` +
        "PersistentKeepalive = 25\n";
      await device.configure(config("10.99.0.2/32, 10.244.1.0/24"));
      const dump = (await sh("wg", "show", "jaco0", "dump")).trim().split("\n").map((l) =>
        l.split("\t")
      );
      assert.equal(dump[0][1], keyToBase64(await publicKeyOf(own)));
      assert.equal(dump[0][2], "51999");
      assert.deepEqual(dump.slice(1).map((f) => [f[0], f[2], f[3], f[7]]), [
        [peer, "192.0.2.7:51999", "10.99.0.2/32,10.244.1.0/24", "25"],
      ]);
      // An unchanged configuration is not loaded again: wireguard-go keeps its UDP sockets (a
      // syncconf re-binds them and re-adds the allowed IPs, dropping mesh packets in flight).
      const sockets = async () =>
        [...(await sh("ss", "-uanpe")).matchAll(/:51999 .* ino:(\d+)/g)].map((m) => m[1]).sort();
      const bound = await sockets();
      assert.ok(bound.length > 0, "wireguard-go listens on 51999");
      await device.configure(config("10.99.0.2/32, 10.244.1.0/24"));
      assert.deepEqual(await sockets(), bound, "same sockets after an unchanged configure");
      // A hand-edited device differs and is repaired.
      await sh("wg", "set", "jaco0", "peer", peer, "allowed-ips", "10.99.0.2/32");
      await device.configure(config("10.99.0.2/32, 10.244.1.0/24"));
      assert.match(
        await sh("wg", "show", "jaco0", "allowed-ips"),
        /\t10\.99\.0\.2\/32 10\.244\.1\.0\/24\n$/,
      );
      await device.configure(config("10.99.0.2/32"));
      assert.match(await sh("wg", "show", "jaco0", "allowed-ips"), /\t10\.99\.0\.2\/32\n$/);
      // A difference `wg set` is not planned for (a preshared key) falls back to syncconf.
      const psk = keyToBase64(await generatePrivateKey());
      await device.configure(
        config("10.99.0.2/32").replace(
          `PublicKey = ${peer}\n`,
          `PublicKey = ${peer}\nPresharedKey = ${psk}\n`,
        ),
      );
      assert.equal(await sh("wg", "show", "jaco0", "preshared-keys"), `${peer}\t${psk}\n`);

      await sh("ip", "addr", "add", "10.99.0.9/32", "dev", "jaco0");
      await device.ensureAddress("10.99.0.1");
      await device.ensureAddress("10.99.0.1");
      const addresses = JSON.parse(await sh("ip", "-j", "-4", "addr", "show", "dev", "jaco0"));
      assert.deepEqual(
        addresses[0].addr_info.map((a: { local: string }) => a.local),
        ["10.99.0.1"],
      );

      await sh("ip", "route", "add", "10.244.9.0/24", "dev", "jaco0");
      const removed = await device.syncRoutes(["10.244.1.0/24", "10.244.2.0/24"], "10.99.0.1");
      assert.deepEqual(removed, ["10.244.9.0/24"]);
      const routes = JSON.parse(await sh("ip", "-j", "-4", "route", "show", "dev", "jaco0"));
      assert.deepEqual(
        routes.map((r: { dst: string; prefsrc?: string }) => `${r.dst} ${r.prefsrc ?? "-"}`),
        ["10.99.0.0/24 -", "10.244.1.0/24 10.99.0.1", "10.244.2.0/24 10.99.0.1"],
      );

      // A second device object (a restarted jacod) adopts the running wireguard-go and stops it.
      const restarted = new HostMeshDevice({ stateDir });
      assert.deepEqual(await restarted.ensure(), { mode: MeshMode.wireguardGo });
      await restarted.close();
      const gone = await new Deno.Command("ip", { args: ["link", "show", "jaco0"], stderr: "null" })
        .output();
      assert.equal(gone.code, 1, "jaco0 is gone with its wireguard-go");
      await assert.rejects(Deno.stat(`${stateDir}/wireguard-go.pid`), Deno.errors.NotFound);
    } finally {
      await device.close();
      await Deno.remove(stateDir, { recursive: true });
    }
  },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `wireguard-go -f <name>` logging verbosely to `log`; resolves once `wg show` answers. */
async function wireguardGo(name: string, log: string): Promise<Deno.ChildProcess> {
  const child = new Deno.Command("sh", {
    args: ["-c", `exec wireguard-go -f ${name} >${log} 2>&1`],
    env: { LOG_LEVEL: "verbose" },
    stdin: "null",
  }).spawn();
  for (let i = 0; i < 100; i++) {
    const out = await new Deno.Command("wg", { args: ["show", name], stderr: "null" }).output();
    if (out.success) return child;
    await sleep(50);
  }
  child.kill("SIGKILL");
  await child.status;
  throw new Error(`wireguard-go ${name} did not come up: ${await Deno.readTextFile(log)}`);
}

insideTest({
  name:
    "HostMeshDevice.configure applies only the difference: a new peer, a new allowed IP or a peer gone leaves the UDP socket and the other peers untouched",
  async fn() {
    const dir = await Deno.makeTempDir();
    const log = `${dir}/jaco0.log`;
    // jaco0 is started here with a verbose log (the device adopts it): wireguard-go logs every
    // UAPI operation per peer, e.g. "peer(abcd…wxyz) - UAPI: Removing all allowedips".
    const jaco0 = await wireguardGo("jaco0", log);
    const other = await wireguardGo("jacop", `${dir}/jacop.log`);
    const device = new HostMeshDevice({ stateDir: dir });
    try {
      assert.deepEqual(await device.ensure(), { mode: MeshMode.wireguardGo });
      const own = await generatePrivateKey();
      const ownPublic = keyToBase64(await publicKeyOf(own));
      // Peer P is the second wireguard-go on loopback, so it really handshakes with jaco0.
      const pPrivate = await generatePrivateKey();
      const p = keyToBase64(await publicKeyOf(pPrivate));
      await Deno.writeTextFile(`${dir}/p.key`, keyToBase64(pPrivate));
      await sh(
        "wg",
        "set",
        "jacop",
        "private-key",
        `${dir}/p.key`,
        "listen-port",
        "52000",
        "peer",
        ownPublic,
        "endpoint",
        "127.0.0.1:51999",
        "allowed-ips",
        "10.99.0.1/32",
      );
      const q = keyToBase64(await publicKeyOf(await generatePrivateKey()));
      const peerP = "[Peer]\nPublicKey = " + p + "\nAllowedIPs = 10.99.0.2/32\n" +
        "Endpoint = 127.0.0.1:52000\nPersistentKeepalive = 25\n";
      const peerQ = (allowed: string) =>
        `[Peer]\nPublicKey = ${q}\nAllowedIPs = ${allowed}\nEndpoint = 192.0.2.8:51999\n` +
        "PersistentKeepalive = 25\n";
      const config = (...peers: string[]) =>
        [`[Interface]\nPrivateKey = ${keyToBase64(own)}\nListenPort = 51999\n`, ...peers]
          .join("\n");
      const dump = async () =>
        new Map(
          (await sh("wg", "show", "jaco0", "dump")).trim().split("\n").slice(1)
            .map((line) => line.split("\t")).map((f) => [f[0], f]),
        );
      const sockets = async () =>
        [...(await sh("ss", "-uanpe")).matchAll(/:51999 .* ino:(\d+)/g)].map((m) => m[1]).sort();
      const short = (key: string) => `peer(${key.slice(0, 4)}…${key.slice(39, 43)})`;
      let seen = 0;
      /** wireguard-go's log lines since the previous call. */
      const logged = async () => {
        const text = await Deno.readTextFile(log);
        const fresh = text.slice(seen);
        seen = text.length;
        return fresh;
      };

      // The first configure brings up P (keepalive 25 makes jaco0 initiate a handshake at once).
      await device.configure(config(peerP));
      let handshake = "0";
      for (let i = 0; i < 100 && handshake === "0"; i++) {
        await sleep(100);
        handshake = (await dump()).get(p)?.[4] ?? "0";
      }
      assert.notEqual(handshake, "0", "jaco0 and P completed a handshake");
      const bound = await sockets();
      assert.ok(bound.length > 0, "wireguard-go listens on 51999");
      const pBefore = (await dump()).get(p)!;
      await logged();

      const untouched = async (step: string) => {
        assert.deepEqual(await sockets(), bound, `${step}: same UDP sockets`);
        const pNow = (await dump()).get(p)!;
        // public key, endpoint, allowed IPs, latest handshake, keepalive
        for (const i of [0, 2, 3, 4, 7]) assert.equal(pNow[i], pBefore[i], `${step}: P field ${i}`);
        const lines = await logged();
        assert.ok(!lines.includes(short(p)), `${step}: no UAPI operation on P:\n${lines}`);
        assert.ok(!lines.includes("listen port"), `${step}: no listen port update:\n${lines}`);
        return lines;
      };

      // A node joins: Q is added, only Q.
      await device.configure(config(peerP, peerQ("10.99.0.3/32")));
      assert.equal((await dump()).get(q)?.[3], "10.99.0.3/32");
      assert.match(await untouched("peer added"), /UAPI: Created/);
      // A new /24 on Q's host: only Q's allowed IPs are replaced.
      await device.configure(config(peerP, peerQ("10.99.0.3/32, 10.244.2.0/24")));
      assert.equal((await dump()).get(q)?.[3], "10.99.0.3/32,10.244.2.0/24");
      assert.match(await untouched("allowed IP added"), /UAPI: (Removing all|Adding) allowedip/);
      // Q's node leaves.
      await device.configure(config(peerP));
      assert.equal((await dump()).has(q), false);
      assert.match(await untouched("peer removed"), /UAPI: Removing/);
      // Unchanged: nothing is sent at all.
      await device.configure(config(peerP));
      assert.equal(await untouched("unchanged"), "");

      // What the old path did: a syncconf of the same change touches P and the listen port too
      // (so the checks above can tell the two apart).
      await Deno.writeTextFile(`${dir}/all.conf`, config(peerP, peerQ("10.99.0.3/32")));
      await sh("wg", "syncconf", "jaco0", `${dir}/all.conf`);
      const syncconf = await logged();
      assert.ok(syncconf.includes(`${short(p)} - UAPI: Removing all allowedips`), syncconf);
      assert.ok(syncconf.includes("listen port"), syncconf);
    } finally {
      await device.close();
      for (const child of [jaco0, other]) {
        child.kill("SIGTERM");
        await child.status;
      }
      await Deno.remove(dir, { recursive: true });
    }
  },
});

insideTest({
  name: "HostMeshDevice replaces a jaco0 that is no WireGuard device",
  async fn() {
    const stateDir = await Deno.makeTempDir();
    const device = new HostMeshDevice({ stateDir });
    try {
      await sh("ip", "link", "add", "jaco0", "type", "bridge");
      assert.deepEqual(await device.ensure(), { mode: MeshMode.wireguardGo });
      const link = JSON.parse(await sh("ip", "-j", "-d", "link", "show", "jaco0"));
      assert.equal(link[0].linkinfo.info_kind, "tun");
      await device.close();
      const gone = await new Deno.Command("ip", { args: ["link", "show", "jaco0"], stderr: "null" })
        .output();
      assert.equal(gone.code, 1);
    } finally {
      await device.close();
      await Deno.remove(stateDir, { recursive: true });
    }
  },
});
