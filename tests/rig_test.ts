/**
 * End-to-end checks of the multi-host rig (tests/rig/): isolation of the
 * simulated hosts, the shared segment, one dockerd per host with the
 * busybox test image, cross-host HTTP to a published port, dockerd
 * stop/start/crash, partitions, and that teardown leaves nothing behind,
 * also after a failing test or a killed test process.
 */

import assert from "node:assert/strict";
import {
  DEFAULT_STATE_ROOT,
  leftoversOf,
  Rig,
  type Rig as RigType,
  type RigHost,
  rigSupport,
  TEST_IMAGE,
  TEST_IMAGE_TAGS,
} from "./rig/mod.ts";

// nft: partition() filters on the switch bridge.
const support = rigSupport({ docker: true, tools: ["nft"] });
if (!support.ok) console.log(`rig tests skipped: ${support.reason}`);
const ignore = !support.ok;

function rootInterfaces(): Promise<string> {
  return new Deno.Command("ip", { args: ["-o", "link", "show"], stdout: "piped" }).output()
    .then((out) =>
      new TextDecoder().decode(out.stdout).replace(/^\d+: /gm, "").split("\n").map((line) =>
        line.split(":")[0]
      ).sort().join(",")
    );
}

function alive(pid: number): boolean {
  try {
    return !/\) Z /.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

/** Directory paths under `dir`, at most `depth` levels down. */
function cgroupDirs(dir: string, depth: number): string[] {
  if (depth === 0) return [];
  try {
    return [...Deno.readDirSync(dir)].filter((e) => e.isDirectory).flatMap((e) => [
      `${dir}/${e.name}`,
      ...cgroupDirs(`${dir}/${e.name}`, depth - 1),
    ]);
  } catch {
    return []; // vanished while listing
  }
}

async function ok(host: RigHost, cmd: string[]): Promise<string> {
  return (await host.exec(cmd, { check: true })).stdout.trim();
}

/** Asserts `close()` removed everything and no process of the rig survived. */
async function assertGone(rig: RigType, pids: number[], interfacesBefore: string) {
  await rig.close();
  assert.deepEqual(rig.leftovers(), []);
  assert.deepEqual(pids.filter(alive), [], "processes survived close()");
  assert.equal(await rootInterfaces(), interfacesBefore, "root namespace interfaces changed");
  await assert.rejects(Deno.stat(rig.stateDir), Deno.errors.NotFound);
}

Deno.test({
  name: "Rig.create() builds 3 isolated hosts with a dockerd each, and close() removes them",
  ignore,
  fn: async (t) => {
    const interfacesBefore = await rootInterfaces();
    const started = performance.now();
    const rig = await Rig.create({ hosts: 3, docker: true, name: "e2e" });
    const upMs = performance.now() - started;
    const [a, b, c] = rig.hosts;
    let pids: number[] = [];
    try {
      await t.step("each host sees only its own interfaces, address and hostname", async () => {
        const rootNet = await Deno.readLink("/proc/self/ns/net");
        const nets = new Set<string>([rootNet]);
        for (const host of rig.hosts) {
          assert.equal(await ok(host, ["hostname"]), host.name);
          assert.equal(await ok(host, ["ls", "/sys/class/net"]), "docker0\neth0\nlo");
          const addresses = await ok(host, ["ip", "-o", "-4", "addr", "show", "dev", "eth0"]);
          assert.match(addresses, new RegExp(`inet ${host.address.replaceAll(".", "\\.")}/24 `));
          assert.equal(addresses.split("\n").length, 1);
          nets.add(await ok(host, ["readlink", "/proc/self/ns/net"]));
          // The host's /run/docker.sock is the file the root namespace sees as dockerSocket.
          const inode = await ok(host, ["stat", "-c", "%i", "/run/docker.sock"]);
          assert.equal(Number(inode), (await Deno.stat(host.dockerSocket)).ino);
        }
        assert.equal(nets.size, 4, "every host has its own network namespace");
        const sockets = await Promise.all(
          rig.hosts.map((host) => ok(host, ["stat", "-c", "%i", "/run/docker.sock"])),
        );
        assert.equal(new Set(sockets).size, 3, "every host has its own /run");
      });

      await t.step("each dockerd answers on its socket from the root namespace", async () => {
        for (const host of rig.hosts) {
          const info = await new Deno.Command("docker", {
            args: ["-H", `unix://${host.dockerSocket}`, "info", "-f", "{{.Name}}"],
            stdout: "piped",
          }).output();
          assert.equal(new TextDecoder().decode(info.stdout).trim(), host.name);
        }
      });

      await t.step(
        "spawn() runs inside the host and kill() accepts only its processes",
        async () => {
          const child = b.spawn(["sleep", "600"], { stdout: "null" });
          const hostNet = await ok(b, ["readlink", "/proc/self/ns/net"]);
          assert.equal(await Deno.readLink(`/proc/${child.pid}/ns/net`), hostNet);
          assert.equal((await Deno.readTextFile(`/proc/${child.pid}/comm`)).trim(), "sleep");
          assert.ok(b.processes().includes(child.pid));
          assert.throws(() => a.kill(child.pid), /is not a process of host/);
          b.kill(child.pid);
          assert.equal((await child.status).signal, "SIGKILL");
          const echoed = await b.exec(["cat"], { stdin: "via stdin" });
          assert.equal(echoed.stdout, "via stdin");
        },
      );

      await t.step("hosts ping each other over the segment", async () => {
        for (const from of rig.hosts) {
          for (const to of rig.hosts) {
            if (from === to) continue;
            const ping = await from.exec(["busybox", "ping", "-c", "1", "-W", "2", to.address]);
            assert.equal(ping.code, 0, `${from.name} → ${to.name}: ${ping.stdout}${ping.stderr}`);
          }
        }
      });

      await t.step("traffic off the segment and DNS lookups are refused at once", async () => {
        const out = await a.exec(["timeout", "5", "busybox", "wget", "-qO-", "http://192.0.2.1/"]);
        assert.match(out.stderr, /No route to host|Network is unreachable/);
        const lookup = await a.exec(["timeout", "5", "busybox", "nslookup", "example.com"]);
        assert.notEqual(lookup.code, 0);
        assert.match(lookup.stdout + lookup.stderr, /refused|no servers/);
      });

      await t.step(
        "every host runs the test image with --init, same image id everywhere",
        async () => {
          assert.match(rig.imageId ?? "", /^sha256:[0-9a-f]{64}$/);
          await Promise.all(rig.hosts.map(async (host) => {
            for (const tag of TEST_IMAGE_TAGS) {
              const id = await ok(host, ["docker", "image", "inspect", "-f", "{{.Id}}", tag]);
              assert.equal(id, rig.imageId);
            }
            const out = await ok(host, [
              "docker",
              "run",
              "--rm",
              "--init",
              TEST_IMAGE,
              "echo",
              `hi ${host.name}`,
            ]);
            assert.equal(out, `hi ${host.name}`);
          }));
        },
      );

      await t.step("a host fetches HTTP from a container published on another host", async () => {
        const id = await ok(a, [
          "docker",
          "run",
          "-d",
          "--init",
          "--name",
          "web",
          "-p",
          "8080:80",
          TEST_IMAGE,
        ]);
        const url = `http://${a.address}:8080/`;
        const body = await rig.waitFor(async () => {
          const out = await b.exec(["timeout", "3", "busybox", "wget", "-qO-", url]);
          return out.code === 0 ? out.stdout : undefined;
        }, { what: `${b.name} to fetch ${url}`, timeoutMs: 15_000 });
        assert.equal(body, "jaco-test busybox\n");
        const whoami = await ok(c, [
          "timeout",
          "3",
          "busybox",
          "wget",
          "-qO-",
          `${url}cgi-bin/whoami`,
        ]);
        assert.equal(whoami, id.slice(0, 12));
        assert.ok(a.processes().length > 2, "the container's processes belong to host a");
      });

      await t.step(
        "stopping a host's dockerd makes its socket unreachable; starting it works",
        async () => {
          await b.stopDocker();
          assert.notEqual((await b.exec(["docker", "info"], { timeoutMs: 20_000 })).code, 0);
          assert.equal((await a.exec(["docker", "info"])).code, 0, "other hosts are unaffected");
          await b.startDocker();
          assert.equal(
            await ok(b, ["docker", "run", "--rm", "--init", TEST_IMAGE, "echo", "back"]),
            "back",
          );
        },
      );

      await t.step("dockerd restarts after kill -9 despite its stale pid file", async () => {
        const crashed = c.dockerdPid;
        await c.stopDocker({ signal: "SIGKILL" });
        assert.equal(alive(crashed ?? 0), false);
        await c.startDocker();
        assert.equal(
          await ok(c, ["docker", "run", "--rm", "--init", TEST_IMAGE, "echo", "again"]),
          "again",
        );
      });

      await t.step("partition() cuts only the chosen pair and heal() restores it", async () => {
        await rig.partition(a, b);
        assert.notEqual(
          (await a.exec(["busybox", "ping", "-c", "1", "-W", "1", b.address])).code,
          0,
        );
        assert.equal((await a.exec(["busybox", "ping", "-c", "1", "-W", "2", c.address])).code, 0);
        await rig.heal();
        assert.equal((await a.exec(["busybox", "ping", "-c", "1", "-W", "2", b.address])).code, 0);
      });

      const rss = rig.hosts.map((host) =>
        `${host.name} ${(host.rssBytes() / 2 ** 20).toFixed(0)} MiB`
      );
      console.log(
        `rig up ${upMs.toFixed(0)} ms; per-host RSS (dockerd, containerd, containers): ${
          rss.join(", ")
        }`,
      );
      pids = rig.hosts.flatMap((host) => host.processes());
      assert.ok(
        pids.length >= 6,
        `expected dockerd + containerd per host, got ${pids.length} processes`,
      );
    } finally {
      const closing = performance.now();
      await assertGone(rig, pids, interfacesBefore);
      console.log(`rig down ${(performance.now() - closing).toFixed(0)} ms`);
    }
  },
});

Deno.test({
  name: "Rig.close() cleans up after a test that throws inside a rig",
  ignore,
  fn: async () => {
    const interfacesBefore = await rootInterfaces();
    const rig = await Rig.create({ hosts: 1, docker: true, name: "throws" });
    let pids: number[] = [];
    const failing = async () => {
      try {
        const [host] = rig.hosts;
        await host.docker(["run", "-d", "--init", TEST_IMAGE, "sleep", "600"], { check: true });
        host.spawn(["sleep", "600"]);
        pids = host.processes();
        throw new Error("boom inside the rig");
      } finally {
        await rig.close();
      }
    };
    await assert.rejects(failing, /boom inside the rig/);
    assert.ok(pids.length >= 4, `dockerd, containerd, container and sleep expected, got ${pids}`);
    await assertGone(rig, pids, interfacesBefore);
    await rig.close(); // idempotent
  },
});

Deno.test({
  name: "Rig.create() tears down a half-built rig when a step fails",
  ignore,
  fn: async () => {
    await assert.rejects(
      Rig.create({ hosts: 2, docker: true, name: "broken", imageCacheDir: "/proc/no-such-dir" }),
      /No such file|NotFound|not found/i,
    );
    const states = [...Deno.readDirSync(DEFAULT_STATE_ROOT)].map((e) => e.name);
    assert.deepEqual(states.filter((name) => name.startsWith(`broken-${Deno.pid}-`)), []);
    const cgroups = cgroupDirs("/sys/fs/cgroup", 4).map((dir) =>
      dir.slice(dir.lastIndexOf("/") + 1)
    );
    assert.deepEqual(cgroups.filter((name) => name.startsWith(`jaco-rig-broken-${Deno.pid}-`)), []);
  },
});

Deno.test({
  name: "Rig.create() sweeps a rig left behind by a killed test process",
  ignore,
  fn: async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./rig/testdata/abandon_rig.ts", import.meta.url).pathname,
        "abandoned",
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let line = "";
    while (!line.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      line += value;
    }
    child.kill("SIGKILL");
    await child.status;
    await reader.cancel();
    const left: { id: string; stateDir: string; pids: number[]; cgroupRoots: string[] } = JSON
      .parse(line);
    assert.ok(left.pids.filter(alive).length >= 2, "dockerd and containerd outlive their owner");
    assert.notDeepEqual(leftoversOf(left.stateDir, left.cgroupRoots), []);

    const rig = await Rig.create({ hosts: 1, name: "sweeper" });
    await rig.close();
    assert.deepEqual(leftoversOf(left.stateDir, left.cgroupRoots), []);
    assert.deepEqual(left.pids.filter(alive), []);
  },
});

Deno.test({
  name: "Rig.create() keeps two rigs with the same name and subnet apart",
  ignore,
  fn: async () => {
    const rigs = await Promise.all([
      Rig.create({ hosts: 1, name: "twin", subnetOctet: 9 }),
      Rig.create({ hosts: 1, name: "twin", subnetOctet: 9 }),
    ]);
    {
      await using first = rigs[0];
      await using second = rigs[1];
      assert.notEqual(first.id, second.id);
      assert.equal(first.hosts[0].address, second.hosts[0].address);
      const firstNet = await ok(first.hosts[0], ["readlink", "/proc/self/ns/net"]);
      assert.notEqual(firstNet, await ok(second.hosts[0], ["readlink", "/proc/self/ns/net"]));
      // Same address, separate segments: each host reaches its own switch.
      for (const rig of [first, second]) {
        assert.equal(
          (await rig.hosts[0].exec(["busybox", "ping", "-c", "1", "-W", "2", rig.gateway])).code,
          0,
        );
      }
    }
    assert.deepEqual([...rigs[0].leftovers(), ...rigs[1].leftovers()], []);
  },
});
