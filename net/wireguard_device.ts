/**
 * The host side of the mesh (networking.md §4): the `jaco0` interface, its `wg` configuration,
 * its address and routes. {@link HostMeshDevice} drives the real tools (`ip`, `wg`,
 * `wireguard-go`); the mesh loop only sees {@link MeshDevice}.
 *
 * Decisions where the spec is silent:
 * - Mode: kernel WireGuard (`ip link add jaco0 type wireguard`) when it works, else the userspace
 *   `wireguard-go jaco0` (Debian package; same `wg` control API on `/run/wireguard/jaco0.sock`),
 *   else `unavailable` with the reason (no `wg`, no kernel module and no wireguard-go/TUN).
 * - wireguard-go runs in the foreground (`-f`) as a child of jacod, its pid recorded in
 *   `<data_dir>/wg/wireguard-go.pid`, and is stopped (SIGTERM, which removes `jaco0`) when the
 *   mesh loop stops. A jacod killed without a shutdown leaves it running: the next start adopts
 *   the interface when `wg show jaco0` still answers, and adopts the pid from the file when
 *   `/proc/<pid>/cmdline` is that wireguard-go, so the restart reuses the interface and still
 *   stops the process at its own shutdown. A `jaco0` whose control API does not answer is
 *   deleted and recreated. A kernel `jaco0` outlives jacod (it is kernel state, like routes).
 *   Under systemd wireguard-go lives in jacod's cgroup, so stopping the unit (default
 *   KillMode=control-group) ends it even after a crash of jacod itself. Its control socket is
 *   `/run/wireguard/jaco0.sock`: with the unit of testing-and-packaging.md B3
 *   (`ProtectSystem=strict`, writable `/var/lib/jaco` only) the unit must also list
 *   `/run/wireguard` as a runtime directory, or the node reports mesh `unavailable` unless kernel
 *   WireGuard is present (no unit file exists in this repository yet).
 * - Only the difference is applied: `configure()` reads `wg showconf jaco0`, plans the minimal
 *   `wg set` operations (`planWgSet`: listen port / private key only when they differ,
 *   `peer <key> remove` for peers gone, and for a new or changed peer only its endpoint,
 *   keepalive and allowed IPs) and runs them as one `wg set` call (a changed private key is fed
 *   on stdin, `private-key /dev/stdin`, so it never touches the disk outside `private.key`).
 *   Nothing is run when nothing differs. `wg syncconf` of the whole configuration was the old
 *   way and is not free on wireguard-go: it re-binds the UDP socket whenever it is handed a
 *   ListenPort and removes then re-adds every peer's allowed IPs, so every subnet allocation
 *   dropped packets in flight to ALL peers (`deno task bench wg_update`, two wireguard-go in
 *   private namespaces, 20,000 datagrams at ~5,000/s through peer B while updating in a loop:
 *   866 lost over 903 unchanged syncconfs, 503 lost over 727 syncconfs adding a /24 to another
 *   peer C; 0 lost over 3,639 `wg set` of C's allowed IPs).
 * - `wg set ... allowed-ips` replaces the peer's list (wireguard-tools 1.0.20210914 has no
 *   incremental form; wireguard-go removes the peer's entries, then inserts each), so a changed
 *   peer still loses its own packets in flight for that instant, even when the new list is a
 *   superset (same bench: 16 lost over 3,487 superset replacements on B itself, ~200 times
 *   fewer per update than a syncconf, and only that peer's). Only the changed peer is touched;
 *   the others and the UDP socket are not. (wireguard-go also accepts allowed IPs without
 *   `replace_allowed_ips` on its UAPI socket, which would add without the gap; not used: it
 *   bypasses `wg` and has no kernel-mode equivalent in this wireguard-tools.)
 * - Fallback: when the plan cannot express a difference (a key other than those), when the
 *   `wg set` fails, or when `wg showconf` still differs after it, the whole configuration is
 *   loaded with `wg syncconf` (fed on stdin), which replaces the peer set but keeps sessions of
 *   unchanged peers, where `setconf` would drop them. A hand-edited device differs and is
 *   repaired by the same path.
 * - Addresses: exactly one IPv4 address, `<mesh_ip>/32`; other IPv4 addresses on `jaco0`
 *   (e.g. of a previous cluster) are removed.
 * - Routes are read with `ip -j route show dev jaco0` (JSON, not the plain text the reference
 *   parsed).
 *
 * @module
 */
import { runHostCommand } from "./host_command.ts";
import { meshSubnet } from "./nft_exempt.ts";
import {
  MESH_INTERFACE,
  parseRouteDestinations,
  planWgSet,
  staleRoutes,
  wgConfigSatisfied,
  wgSetCommand,
  wgSetPlanEmpty,
} from "./wireguard_config.ts";

/** How `jaco0` is provided on this host. */
export const MeshMode = {
  kernel: "kernel",
  wireguardGo: "wireguard-go",
  unavailable: "unavailable",
} as const;
/** A {@link MeshMode} value. */
export type MeshMode = typeof MeshMode[keyof typeof MeshMode];

/** A failed host command. */
export class MeshCommandError extends Error {
  /** @param message the command and its output */
  constructor(message: string) {
    super(message);
    this.name = "MeshCommandError";
  }
}

/** What the mesh loop needs from the host. */
export interface MeshDevice {
  /**
   * Creates or adopts `jaco0` (up); returns the mode, with the reason when `unavailable`.
   */
  ensure(): Promise<{ mode: MeshMode; reason?: string }>;
  /**
   * Brings the device to `config` (a `renderWgConfig` text) by applying only the difference
   * (`wg set`, `wg syncconf` as the fallback); a no-op when the device already carries it (see
   * the module doc).
   *
   * @throws {MeshCommandError}
   */
  configure(config: string): Promise<void>;
  /**
   * Makes `<meshIp>/32` the only IPv4 address of `jaco0` and routes the mesh /24 on it.
   *
   * @throws {MeshCommandError}
   */
  ensureAddress(meshIp: string): Promise<void>;
  /**
   * Replaces a route `<cidr> dev jaco0 src <src>` for each of `desired`, then deletes the other
   * routes on `jaco0` (except the mesh /24); returns the deleted ones.
   *
   * @throws {MeshCommandError} listing, replacing or deleting failed (after trying all)
   */
  syncRoutes(desired: readonly string[], src: string): Promise<string[]>;
  /** Stops what this process started or adopted (wireguard-go). */
  close(): Promise<void>;
}

const run = runHostCommand;

async function check(command: string, args: string[], stdin?: string): Promise<string> {
  const out = await run(command, args, stdin);
  if (out.code !== 0) {
    throw new MeshCommandError(`${command} ${args.join(" ")}: ${out.stderr.trim() || out.code}`);
  }
  return out.stdout;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Options of {@link HostMeshDevice}. */
export interface HostMeshDeviceOptions {
  /** Where the wireguard-go pid file lives (`<data_dir>/wg`). */
  stateDir: string;
  /** How long wireguard-go may take to bring up its control socket (default 5 s). */
  startTimeoutMs?: number;
}

/** `jaco0` on this host through `ip`, `wg` and `wireguard-go`. */
export class HostMeshDevice implements MeshDevice {
  readonly #options: HostMeshDeviceOptions;
  #child: Deno.ChildProcess | undefined;
  #adoptedPid: number | undefined;

  /** @param options where to keep the pid file */
  constructor(options: HostMeshDeviceOptions) {
    this.#options = options;
  }

  get #pidFile(): string {
    return `${this.#options.stateDir}/wireguard-go.pid`;
  }

  async ensure(): Promise<{ mode: MeshMode; reason?: string }> {
    if ((await run("wg", ["--version"])).code !== 0) {
      return { mode: MeshMode.unavailable, reason: "wg (wireguard-tools) not found" };
    }
    const existing = await this.#existingKind();
    if (existing !== undefined) {
      const answers = (await run("wg", ["show", MESH_INTERFACE])).code === 0;
      if (answers) {
        const mode = existing === "wireguard" ? MeshMode.kernel : MeshMode.wireguardGo;
        if (mode === MeshMode.wireguardGo && !this.#child) await this.#adopt();
        await check("ip", ["link", "set", MESH_INTERFACE, "up"]);
        return { mode };
      }
      await run("ip", ["link", "del", MESH_INTERFACE]);
    }
    const kernel = await run("ip", ["link", "add", MESH_INTERFACE, "type", "wireguard"]);
    if (kernel.code === 0) {
      await check("ip", ["link", "set", MESH_INTERFACE, "up"]);
      return { mode: MeshMode.kernel };
    }
    const userspace = await this.#startWireguardGo();
    if (userspace !== undefined) {
      return {
        mode: MeshMode.unavailable,
        reason: `kernel wireguard: ${kernel.stderr.trim()}; wireguard-go: ${userspace}`,
      };
    }
    await check("ip", ["link", "set", MESH_INTERFACE, "up"]);
    return { mode: MeshMode.wireguardGo };
  }

  async configure(config: string): Promise<void> {
    const live = await run("wg", ["showconf", MESH_INTERFACE]);
    const plan = live.code === 0 ? planWgSet(config, live.stdout) : undefined;
    if (plan && wgSetPlanEmpty(plan)) return;
    if (plan) {
      const { args, stdin } = wgSetCommand(MESH_INTERFACE, plan);
      if ((await run("wg", args, stdin)).code === 0) {
        const after = await run("wg", ["showconf", MESH_INTERFACE]);
        if (after.code === 0 && wgConfigSatisfied(config, after.stdout)) return;
      }
    }
    await check("wg", ["syncconf", MESH_INTERFACE, "/dev/stdin"], config);
  }

  async ensureAddress(meshIp: string): Promise<void> {
    const listed = JSON.parse(
      await check("ip", ["-j", "-4", "addr", "show", "dev", MESH_INTERFACE]) || "[]",
    ) as { addr_info?: { local: string; prefixlen: number }[] }[];
    const live = (listed[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
    const wanted = `${meshIp}/32`;
    for (const address of live) {
      if (address !== wanted) await check("ip", ["addr", "del", address, "dev", MESH_INTERFACE]);
    }
    if (!live.includes(wanted)) await check("ip", ["addr", "add", wanted, "dev", MESH_INTERFACE]);
    await check("ip", ["route", "replace", meshSubnet, "dev", MESH_INTERFACE]);
  }

  async syncRoutes(desired: readonly string[], src: string): Promise<string[]> {
    const failures: string[] = [];
    for (const cidr of desired) {
      const out = await run("ip", ["route", "replace", cidr, "dev", MESH_INTERFACE, "src", src]);
      if (out.code !== 0) failures.push(`route ${cidr}: ${out.stderr.trim()}`);
    }
    const live = parseRouteDestinations(
      await check("ip", ["-j", "-4", "route", "show", "dev", MESH_INTERFACE]),
    );
    const stale = staleRoutes(live, desired);
    for (const cidr of stale) {
      const out = await run("ip", ["route", "del", cidr, "dev", MESH_INTERFACE]);
      if (out.code !== 0) failures.push(`delete ${cidr}: ${out.stderr.trim()}`);
    }
    if (failures.length > 0) throw new MeshCommandError(failures.join("; "));
    return stale;
  }

  async close(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child) {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited: only the status is left to reap.
      }
      await child.status;
    } else if (this.#adoptedPid !== undefined) {
      const pid = this.#adoptedPid;
      this.#adoptedPid = undefined;
      try {
        Deno.kill(pid, "SIGTERM");
        for (let i = 0; i < 50 && await isWireguardGo(pid); i++) await sleep(100);
      } catch {
        // Gone meanwhile.
      }
    } else return;
    await Deno.remove(this.#pidFile).catch(() => undefined);
  }

  /** `wireguard` (kernel), `tun` (userspace) or another kind of an existing `jaco0`. */
  async #existingKind(): Promise<string | undefined> {
    const out = await run("ip", ["-j", "-d", "link", "show", MESH_INTERFACE]);
    if (out.code !== 0) return undefined;
    const [link] = JSON.parse(out.stdout) as { linkinfo?: { info_kind?: string } }[];
    return link?.linkinfo?.info_kind ?? "unknown";
  }

  async #adopt(): Promise<void> {
    const pid = Number((await Deno.readTextFile(this.#pidFile).catch(() => "")).trim());
    if (Number.isInteger(pid) && pid > 0 && await isWireguardGo(pid)) this.#adoptedPid = pid;
  }

  /** Starts wireguard-go; undefined on success, else why it failed. */
  async #startWireguardGo(): Promise<string | undefined> {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command("wireguard-go", {
        args: ["-f", MESH_INTERFACE],
        env: { LOG_LEVEL: "error" },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      return (error as Error).message;
    }
    let exited: Deno.CommandStatus | undefined;
    child.status.then((status) => exited = status);
    const deadline = Date.now() + (this.#options.startTimeoutMs ?? 5000);
    while (Date.now() < deadline && !exited) {
      if ((await run("wg", ["show", MESH_INTERFACE])).code === 0) {
        this.#child = child;
        // stderr is only read on failure; drain it so a chatty process never blocks on the pipe.
        child.stderr.pipeTo(new WritableStream()).catch(() => undefined);
        await Deno.writeTextFile(this.#pidFile, `${child.pid}\n`, { mode: 0o600 });
        return undefined;
      }
      await sleep(50);
    }
    if (!exited) child.kill("SIGKILL");
    await child.status;
    const stderr = new TextDecoder().decode(
      await new Response(child.stderr).arrayBuffer().catch(() => new ArrayBuffer(0)),
    ).trim();
    return stderr || `exited without a control socket (${exited?.code ?? "killed"})`;
  }
}

async function isWireguardGo(pid: number): Promise<boolean> {
  const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
  const args = cmdline.split("\0");
  return args.some((arg) => arg.endsWith("wireguard-go")) && args.includes(MESH_INTERFACE);
}
