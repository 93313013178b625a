/**
 * One simulated host of a rig: run commands and long-lived processes inside
 * it, control its dockerd, and see which processes it owns.
 */

import { cgroupPids } from "./_cgroup.ts";
import { type ExecResult, isAlive, RigError, run, signalPid } from "./_exec.ts";
import { type HostNamespaces, nsenterArgs } from "./_namespaces.ts";
import { dockerdArgs, pingDocker, removeStalePidFiles, type StorageDriver } from "./_docker.ts";
import { waitFor } from "./wait_for.ts";

export type { ExecResult };

/** Options for {@linkcode RigHost.exec}. */
export interface HostExecOptions {
  /** Text fed to stdin (stdin is empty otherwise). */
  stdin?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Kill the command and throw after this long; default 60 s. */
  timeoutMs?: number;
  /** Throw when the exit code is not 0 (the error carries stderr). */
  check?: boolean;
}

/** Options for {@linkcode RigHost.spawn}. */
export interface HostSpawnOptions {
  env?: Record<string, string>;
  stdin?: "piped" | "null";
  /** Ignored when `logPath` is set. */
  stdout?: "piped" | "inherit" | "null";
  /** Ignored when `logPath` is set. */
  stderr?: "piped" | "inherit" | "null";
  /** Append stdout and stderr to this file (a root-namespace path) instead. */
  logPath?: string;
}

/** What a {@linkcode RigHost} is built from (the rig fills this in). */
export interface RigHostInit {
  name: string;
  index: number;
  address: string;
  namespaces: HostNamespaces;
  /** `<state>/hosts/<name>`. */
  dir: string;
  /** The host's cgroup directory in every hierarchy. */
  cgroups: string[];
  bridgeCidr: string;
  storageDriver: StorageDriver;
}

// Inside a host, the Docker CLI must talk to that host's dockerd whatever the
// caller's environment says.
const HOST_ENV = { DOCKER_HOST: "unix:///run/docker.sock" };

// Joins the host's cgroups (as PID $$, which exec keeps), then execs the
// command through nsenter; an optional log file takes stdout and stderr.
const ENTER_SCRIPT = `log=$1; shift
while [ "$1" != -- ]; do echo $$ > "$1/cgroup.procs" || exit 125; shift; done; shift
if [ -n "$log" ]; then exec "$@" >>"$log" 2>&1; fi
exec "$@"`;

/** A simulated host: its own network, mount and UTS namespaces, /run and cgroup subtree. */
export class RigHost {
  /** Host name, also its hostname inside the UTS namespace. */
  readonly name: string;
  /** 0-based position in the rig. */
  readonly index: number;
  /** The host's address on the test segment (`eth0`, /24). */
  readonly address: string;
  /** Per-host state directory in the root namespace. */
  readonly dir: string;
  /** Root-namespace path of the host's /run. */
  readonly runDir: string;
  /** An empty per-host directory for daemons' data (e.g. jacod's data dir). */
  readonly dataDir: string;
  /** The host's dockerd socket, usable from the root namespace (dockerode, docker -H). */
  readonly dockerSocket: string;
  /** The host's persistent namespace files (for nsenter). */
  readonly namespaces: HostNamespaces;
  readonly #cgroups: string[];
  readonly #bridgeCidr: string;
  readonly #storageDriver: StorageDriver;
  #dockerd: Deno.ChildProcess | undefined;

  constructor(init: RigHostInit) {
    this.name = init.name;
    this.index = init.index;
    this.address = init.address;
    this.dir = init.dir;
    this.runDir = `${init.dir}/run`;
    this.dataDir = `${init.dir}/data`;
    this.dockerSocket = `${init.dir}/run/docker.sock`;
    this.namespaces = init.namespaces;
    this.#cgroups = init.cgroups;
    this.#bridgeCidr = init.bridgeCidr;
    this.#storageDriver = init.storageDriver;
  }

  #argv(cmd: readonly string[], logPath = ""): string[] {
    if (cmd.length === 0) throw new RigError(`empty command for host ${this.name}`);
    return [
      "/bin/sh",
      "-c",
      ENTER_SCRIPT,
      "jaco-rig-enter",
      logPath,
      ...this.#cgroups,
      "--",
      ...nsenterArgs(this.namespaces),
      ...cmd,
    ];
  }

  /**
   * Runs `cmd` inside the host and waits for it.
   *
   * @throws {RigError} on timeout, or on a non-zero exit with `check: true`
   * @example
   * const { stdout } = await host.exec(["hostname"], { check: true });
   */
  exec(cmd: readonly string[], options: HostExecOptions = {}): Promise<ExecResult> {
    return run(this.#argv(cmd), {
      stdin: options.stdin,
      env: { ...HOST_ENV, ...options.env },
      timeoutMs: options.timeoutMs ?? 60_000,
      check: options.check,
    });
  }

  /**
   * Starts `cmd` inside the host and returns its handle; the handle's `pid`
   * is the command's own PID. It belongs to the host's cgroup, so `close()`
   * kills it even if the caller forgets.
   *
   * @example
   * const jacod = host.spawn(["deno", "run", "-A", "daemon/main.ts"], { logPath: `${host.dir}/jacod.log` });
   */
  spawn(cmd: readonly string[], options: HostSpawnOptions = {}): Deno.ChildProcess {
    const argv = this.#argv(cmd, options.logPath);
    return new Deno.Command(argv[0], {
      args: argv.slice(1),
      env: { ...HOST_ENV, ...options.env },
      stdin: options.stdin ?? "null",
      stdout: options.logPath ? "null" : options.stdout ?? "inherit",
      stderr: options.logPath ? "null" : options.stderr ?? "inherit",
    }).spawn();
  }

  /** PIDs of every process of this host (its own and its containers'). */
  processes(): number[] {
    return cgroupPids(this.#cgroups);
  }

  /** Resident memory of all the host's processes, summed (VmRSS). */
  rssBytes(): number {
    let total = 0;
    for (const pid of this.processes()) {
      try {
        const kib = /VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))?.[1];
        total += Number(kib ?? 0) * 1024;
      } catch {
        // Exited while we summed: it no longer uses memory.
      }
    }
    return total;
  }

  /**
   * Sends `signal` to `pid`, which must be one of this host's processes.
   *
   * @throws {RigError} when `pid` does not belong to the host
   */
  kill(pid: number, signal: Deno.Signal = "SIGKILL"): void {
    if (!this.processes().includes(pid)) {
      throw new RigError(`pid ${pid} is not a process of host ${this.name}`);
    }
    signalPid(pid, signal);
  }

  /** Runs the Docker CLI inside the host against the host's dockerd. */
  docker(args: readonly string[], options: HostExecOptions = {}): Promise<ExecResult> {
    return this.exec(["docker", ...args], options);
  }

  /** PID of the running dockerd, if the rig started one. */
  get dockerdPid(): number | undefined {
    return this.#dockerd?.pid;
  }

  /**
   * Starts the host's dockerd (after removing stale pid files) and waits
   * until its API answers.
   *
   * @throws {RigError} when dockerd exits or does not answer within `timeoutMs`
   */
  async startDocker(timeoutMs = 60_000): Promise<void> {
    if (this.#dockerd && isAlive(this.#dockerd.pid)) {
      throw new RigError(`dockerd of host ${this.name} is already running`);
    }
    await removeStalePidFiles(this.dir, isAlive);
    const logPath = `${this.dir}/log/dockerd.log`;
    const child = this.spawn(
      dockerdArgs({
        hostDir: this.dir,
        bridgeCidr: this.#bridgeCidr,
        storageDriver: this.#storageDriver,
      }),
      { logPath },
    );
    this.#dockerd = child;
    // An early exit ends the wait at once instead of after the whole timeout.
    const exited = new AbortController();
    child.status.then(async (status) => {
      const log = await Deno.readTextFile(logPath).catch(() => "");
      exited.abort(
        new RigError(
          `dockerd of host ${this.name} exited with code ${status.code}: ${log.slice(-2_000)}`,
        ),
      );
    });
    await waitFor(() => pingDocker(this.dockerSocket), {
      timeoutMs,
      intervalMs: 100,
      what: `dockerd of host ${this.name} to answer`,
      signal: exited.signal,
    });
  }

  /**
   * Stops the host's dockerd with `signal` and waits for it to exit and its
   * socket to stop answering. SIGTERM stops containers and containerd too;
   * SIGKILL simulates a crash (containerd and containers survive, and
   * {@linkcode startDocker} copes with the stale pid file).
   *
   * @throws {RigError} when dockerd does not exit within `timeoutMs`
   */
  async stopDocker(
    options: { signal?: Deno.Signal; timeoutMs?: number } = {},
  ): Promise<void> {
    const child = this.#dockerd;
    if (!child) return;
    signalPid(child.pid, options.signal ?? "SIGTERM");
    const timeoutMs = options.timeoutMs ?? 30_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const outcome = await Promise.race([child.status, timedOut]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      throw new RigError(`dockerd of host ${this.name} did not exit within ${timeoutMs} ms`);
    }
    this.#dockerd = undefined;
    await waitFor(async () => !(await pingDocker(this.dockerSocket)), {
      timeoutMs: 5_000,
      what: `dockerd socket of host ${this.name} to stop answering`,
    });
  }

  /** Waits for the dockerd handle (if any) to be reaped after teardown killed it. */
  async reap(): Promise<void> {
    await this.#dockerd?.status;
    this.#dockerd = undefined;
  }
}
