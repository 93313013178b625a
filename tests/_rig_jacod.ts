/**
 * Real `jacod` daemons on the hosts of a multi-host rig (tests/rig/), driven by the real `jaco`
 * CLI run inside those hosts: one daemon per host, bound to the host's rig address, with its
 * socket in the host's own `/run` and its data under `host.dataDir`.
 *
 * Decisions:
 * - `node_name` = the host name by default (= the hostname inside the host's UTS namespace, so
 *   raft ids, certificate names and `/etc/hosts` agree); `nodeName` overrides it, e.g. to
 *   restore a former member's identity on a fresh host. `listen_addr` = `<host.address>:7000` and
 *   `cluster_addr` = `<host.address>:7001` (the default ports, pinned to the rig address so the
 *   advertised addresses are the rig's).
 * - The config file lives in `host.dir` (root-namespace path, readable inside the host because
 *   only `/run` and a few `/etc` files are per host); the data dir is `<host.dataDir>/jaco`.
 * - The CLI always runs inside the host ({@link RigJacod.jaco}) with `JACO_SOCKET` and
 *   `JACO_CA_CERT` pointing at that host's socket and CA file, and `JACO_TOKEN`/`JACO_SERVER`
 *   cleared, so `--server <rig addr>:7000 --token …` and the socket path both work without more
 *   flags. The test process never has a route into the segment; {@link RigJacod.socket} is
 *   the root-namespace path of the unix socket for tests that dial it directly.
 * - Nothing here needs dockerd: with a `docker: true` rig the daemon finds the host's
 *   `/run/docker.sock` (the rig sets `DOCKER_HOST` for every process it starts in a host).
 * - Every daemon runs in its host's cgroup, so `rig.close()` kills what a failed test left.
 *
 * @example
 * import { Rig } from "./rig/mod.ts";
 * import { formRigCluster } from "./_rig_jacod.ts";
 * await using rig = await Rig.create({ hosts: 3, name: "cp" });
 * const nodes = await formRigCluster(rig, 3); // init on hosts[0], join hosts[1..2]
 * const leader = await leaderOf(nodes);
 * await leader.kill(); // SIGKILL
 * await nodes[1].jaco(["token", "issue", "ci"], { check: true });
 * await leader.start(); // restarts from its data dir
 *
 * @module
 */
import { JACOD_V8_FLAGS_ARG } from "../daemon/v8_flags.ts";
import type { ExecResult, Rig, RigHost } from "./rig/mod.ts";
import { waitFor } from "./rig/mod.ts";

const root = new URL("../", import.meta.url).pathname;

/** jacod's gRPC/TLS port on every rig host (the default of `listen_addr`). */
export const GRPC_PORT = 7000;
/** jacod's raft port on every rig host (the default of `cluster_addr`). */
export const RAFT_PORT = 7001;
/** The daemon's unix socket as seen inside its host. */
export const HOST_SOCKET = "/run/jaco/jaco.sock";

/** Options of {@link RigJacod.create}. */
export interface RigJacodOptions {
  /** `node_name` (and raft id); default the host name. E.g. a restore under a former member's name. */
  nodeName?: string;
  /** Extra `jacod.yaml` lines (e.g. `log_level: debug`). */
  extraConfig?: string[];
  /** Extra environment of the daemon process. */
  env?: Record<string, string>;
}

/** Options of {@link RigJacod.jaco}. */
export interface RigCliOptions {
  /** Extra environment (overrides the defaults, e.g. `JACO_TOKEN`). */
  env?: Record<string, string>;
  /** Throw when the CLI exits non-zero (the error carries its stderr). */
  check?: boolean;
  /** Kill the CLI after this long; default 60 s. */
  timeoutMs?: number;
}

/** The `cluster status -o json` shape. */
export interface RigClusterStatus {
  initialized: boolean;
  leader: string;
  raft_index?: number;
  nodes: { hostname: string; address: string; status: string; suffrage: string }[];
}

/** One `jacod` on one rig host; create with {@link RigJacod.create}, then {@link start}. */
export class RigJacod {
  /** The host it runs on. */
  readonly host: RigHost;
  /** `node_name` (= raft id; the host name unless {@link RigJacodOptions.nodeName}). */
  readonly name: string;
  /** Root-namespace path of its `jacod.yaml` (also valid inside the host). */
  readonly configPath: string;
  /** Its data dir (root-namespace path, also valid inside the host). */
  readonly dataDir: string;
  /** Where its stdout/stderr are appended (root-namespace path). */
  readonly logPath: string;
  /** Root-namespace path of its unix socket (inside the host: {@link HOST_SOCKET}). */
  readonly socket: string;
  /** `host:port` of its gRPC/TLS listener on the rig segment. */
  readonly grpcAddr: string;
  /** `host:port` of its raft listener on the rig segment. */
  readonly raftAddr: string;
  readonly #env: Record<string, string>;
  #child: Deno.ChildProcess | undefined;

  private constructor(host: RigHost, env: Record<string, string>, name = host.name) {
    this.host = host;
    this.name = name;
    this.configPath = `${host.dir}/jacod.yaml`;
    this.dataDir = `${host.dataDir}/jaco`;
    this.logPath = `${host.dir}/log/jacod.log`;
    this.socket = `${host.runDir}/jaco/jaco.sock`;
    this.grpcAddr = `${host.address}:${GRPC_PORT}`;
    this.raftAddr = `${host.address}:${RAFT_PORT}`;
    this.#env = env;
  }

  /** Writes the host's `jacod.yaml` (see the module doc); does not start the daemon. */
  static async create(host: RigHost, options: RigJacodOptions = {}): Promise<RigJacod> {
    const jacod = new RigJacod(host, options.env ?? {}, options.nodeName);
    await Deno.writeTextFile(
      jacod.configPath,
      [
        `node_name: ${jacod.name}`,
        `data_dir: ${jacod.dataDir}`,
        `unix_socket: ${HOST_SOCKET}`,
        `listen_addr: ${jacod.grpcAddr}`,
        `cluster_addr: ${jacod.raftAddr}`,
        ...(options.extraConfig ?? []),
        "",
      ].join("\n"),
    );
    return jacod;
  }

  /** Root-namespace path of the cluster CA file the daemon writes at init/join. */
  get caCertPath(): string {
    return `${this.dataDir}/node/ca.crt`;
  }

  /** PID of the running daemon, if started and not yet reaped. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * Starts `jacod --config <configPath>` inside the host (from its data dir if it has one) and
   * resolves once its socket accepts connections.
   *
   * @throws {Error} when it is already running, exits early, or its socket is not up in 30 s
   */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.#child) throw new Error(`jacod on ${this.name} is already running`);
    // A SIGKILLed daemon leaves its socket file behind; readiness must not see the stale one.
    await Deno.remove(this.socket).catch(() => undefined);
    const child = this.host.spawn(
      [
        Deno.execPath(),
        "run",
        "-A",
        JACOD_V8_FLAGS_ARG,
        `${root}daemon/main.ts`,
        "--config",
        this.configPath,
      ],
      { logPath: this.logPath, env: this.#env },
    );
    this.#child = child;
    const exited = new AbortController();
    child.status.then(async (status) => {
      exited.abort(
        new Error(
          `jacod on ${this.name} exited with code ${status.code}: ${
            (await this.log()).slice(-2_000)
          }`,
        ),
      );
    });
    await waitFor(async () => {
      const connection = await Deno.connect({ transport: "unix", path: this.socket });
      connection.close();
      return true;
    }, { what: `jacod socket of ${this.name}`, timeoutMs, intervalMs: 50, signal: exited.signal });
  }

  /**
   * Sends `signal` (default SIGKILL) and waits for the daemon to exit; a no-op when not running.
   * The stale socket of a killed daemon is removed by the next {@link start}.
   */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    const child = this.#child;
    if (!child) return;
    try {
      this.host.kill(child.pid, signal);
    } catch {
      // Already exited (no longer one of the host's processes): just reap it.
    }
    await child.status;
    this.#child = undefined;
  }

  /** Graceful stop: SIGTERM, then SIGKILL if it is still running after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const timer = setTimeout(() => {
      try {
        this.host.kill(child.pid, "SIGKILL");
      } catch {
        // Exited meanwhile.
      }
    }, timeoutMs);
    await this.kill("SIGTERM");
    clearTimeout(timer);
  }

  /** The daemon's log so far (all its runs). */
  async log(): Promise<string> {
    return await Deno.readTextFile(this.logPath).catch(() => "");
  }

  /**
   * Runs `jaco <args>` inside the host (see the module doc for the environment).
   *
   * @throws {Error} with `check` when the CLI exits non-zero
   * @example
   * const { stdout } = await node.jaco(["token", "list", "--server", other.grpcAddr, "--token", t]);
   */
  async jaco(args: string[], options: RigCliOptions = {}): Promise<ExecResult> {
    const result = await this.host.exec(
      [Deno.execPath(), "run", "-A", `${root}cli/main.ts`, ...args],
      {
        env: {
          JACO_TOKEN: "",
          JACO_SERVER: "",
          JACO_SOCKET: HOST_SOCKET,
          JACO_CA_CERT: this.caCertPath,
          NO_COLOR: "1",
          ...options.env,
        },
        timeoutMs: options.timeoutMs ?? 60_000,
      },
    );
    if (options.check && result.code !== 0) {
      throw new Error(
        `jaco ${args.join(" ")} on ${this.name} exited ${result.code}: ${result.stderr}`,
      );
    }
    return result;
  }

  /**
   * `jaco cluster status -o json` over this node's socket.
   *
   * @throws {Error} when the CLI fails
   */
  async status(): Promise<RigClusterStatus> {
    const { stdout } = await this.jaco(["cluster", "status", "-o", "json"], { check: true });
    return JSON.parse(stdout);
  }

  /**
   * Identities of `jaco token list -o json` over this node's socket.
   *
   * @throws {Error} when the CLI fails
   */
  async tokenIdentities(): Promise<string[]> {
    const { stdout } = await this.jaco(["token", "list", "-o", "json"], { check: true });
    return (JSON.parse(stdout).tokens as { identity: string }[]).map((t) => t.identity);
  }

  /**
   * `jaco node issue-join-token` over this node's socket: the token and CA fingerprint.
   *
   * @throws {Error} when the CLI fails or prints no join line
   */
  async issueJoinToken(): Promise<{ token: string; fingerprint: string }> {
    const issued = await this.jaco(["node", "issue-join-token"]);
    const match = /--token=([0-9a-f]{64}) --ca-fingerprint=([0-9a-f]{64})\n/.exec(issued.stdout);
    if (issued.code !== 0 || !match) {
      throw new Error(`issue-join-token on ${this.name}: ${issued.stderr}${issued.stdout}`);
    }
    return { token: match[1], fingerprint: match[2] };
  }

  /**
   * `jaco node join --peer <peer.grpcAddr>` over this node's socket with a fresh join token
   * issued by `issuer` (default `peer`).
   *
   * @throws {Error} when issuing or joining fails
   */
  async join(peer: RigJacod, issuer: RigJacod = peer): Promise<void> {
    const { token, fingerprint } = await issuer.issueJoinToken();
    await this.jaco([
      "node",
      "join",
      `--peer=${peer.grpcAddr}`,
      `--token=${token}`,
      `--ca-fingerprint=${fingerprint}`,
      "--no-systemd-enable",
    ], { check: true });
  }
}

/**
 * Creates and starts one {@link RigJacod} on each of `hosts` (in parallel). On failure the
 * daemons already started are left to `rig.close()`.
 */
export async function startRigJacods(
  hosts: RigHost[],
  options: RigJacodOptions = {},
): Promise<RigJacod[]> {
  const nodes = await Promise.all(hosts.map((host) => RigJacod.create(host, options)));
  await Promise.all(nodes.map((node) => node.start()));
  return nodes;
}

/**
 * The node currently named leader by `cluster status` on any of `nodes` that answers with one.
 *
 * @throws {Error} when no node names a leader among `nodes` within `timeoutMs`
 */
export async function leaderOf(nodes: RigJacod[], timeoutMs = 30_000): Promise<RigJacod> {
  return await waitFor(async () => {
    for (const node of nodes) {
      const status = await node.status().catch(() => undefined);
      const leader = nodes.find((candidate) => candidate.name === status?.leader);
      if (leader) return leader;
    }
    return undefined;
  }, { what: `a leader among ${nodes.map((n) => n.name).join(", ")}`, timeoutMs, intervalMs: 200 });
}

/**
 * How many voters the membership reconciler settles on for `members` servers (cluster.md §5:
 * the largest odd number ≤ members, at most 7).
 *
 * @example
 * voterTarget(2); // 1
 * voterTarget(4); // 3
 */
export function voterTarget(members: number): number {
  return Math.min(7, members % 2 === 1 ? members : members - 1);
}

/**
 * Waits until `cluster status` on `node` lists exactly `names`, all ready, with
 * {@link voterTarget}`(names.length)` voters among them. Every member reports suffrage from its
 * own raft configuration (followers too, unlike the reference), so any node can be passed; see
 * {@link waitForReadyVotersEverywhere} for all of them.
 *
 * @throws {Error} when that does not happen within `timeoutMs`
 */
export async function waitForReadyVoters(
  node: RigJacod,
  names: string[],
  timeoutMs = 30_000,
): Promise<RigClusterStatus> {
  const expected = JSON.stringify([...names].sort());
  return await waitFor(async () => {
    const status = await node.status();
    const ready = status.nodes.filter((n) => n.status === "ready").map((n) => n.hostname).sort();
    const voters = status.nodes.filter((n) => n.suffrage === "voter").length;
    return JSON.stringify(ready) === expected && voters === voterTarget(names.length)
      ? status
      : undefined;
  }, {
    what: `${names.join(", ")} ready with ${voterTarget(names.length)} voters on ${node.name}`,
    timeoutMs,
    intervalMs: 200,
  });
}

/**
 * {@link waitForReadyVoters} on every node of `nodes` (each one's own view must settle).
 *
 * @throws {Error} when some node does not get there within `timeoutMs`
 */
export async function waitForReadyVotersEverywhere(
  nodes: readonly RigJacod[],
  names: string[],
  timeoutMs = 30_000,
): Promise<RigClusterStatus[]> {
  const statuses: RigClusterStatus[] = [];
  for (const node of nodes) statuses.push(await waitForReadyVoters(node, names, timeoutMs));
  return statuses;
}

/**
 * Starts jacod on the first `n` hosts of `rig`, runs `cluster init` on the first, and for each
 * other one `node issue-join-token` on the first then `node join --peer <first>` on it, all
 * through the real CLI; resolves once every node reports the `n` members ready and
 * {@link voterTarget}`(n)` of them voters.
 *
 * @throws {Error} when a step fails or the voters do not settle within 30 s
 */
export async function formRigCluster(
  rig: Rig,
  n: number,
  options: RigJacodOptions = {},
): Promise<RigJacod[]> {
  if (n < 1 || n > rig.hosts.length) {
    throw new Error(`formRigCluster needs 1..${rig.hosts.length} hosts, not ${n}`);
  }
  const nodes = await startRigJacods(rig.hosts.slice(0, n), options);
  const [first, ...rest] = nodes;
  await first.jaco(["cluster", "init", "--no-systemd-enable"], { check: true });
  for (const node of rest) await node.join(first);
  await waitForReadyVotersEverywhere(nodes, nodes.map((node) => node.name));
  return nodes;
}
