/**
 * Helpers of the end-to-end daemon suites: a real `jacod` process on a temporary data dir and
 * socket, and the real `jaco` CLI run as a child process.
 *
 * @module
 */

import { JACOD_V8_FLAGS_ARG } from "../daemon/v8_flags.ts";

const root = new URL("../", import.meta.url).pathname;

/** A loopback TCP port free at the time of the call. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A running `jacod` child and its whole log (stderr), resolved once it exits. */
export interface Daemon {
  child: Deno.ChildProcess;
  stderr: Promise<string>;
}

/** Where a test daemon lives: its config file, socket, data dir and gRPC port. */
export interface DaemonSetup {
  dir: string;
  configPath: string;
  socket: string;
  dataDir: string;
  grpcPort: number;
}

/**
 * Writes a `jacod.yaml` for `nodeName` under a fresh temp dir (loopback listeners on free
 * ports); the caller removes `dir`.
 */
export async function daemonSetup(nodeName: string, prefix: string): Promise<DaemonSetup> {
  const dir = await Deno.makeTempDir({ prefix });
  const setup = {
    dir,
    configPath: `${dir}/jacod.yaml`,
    socket: `${dir}/run/jaco.sock`,
    dataDir: `${dir}/data`,
    grpcPort: freePort(),
  };
  await Deno.writeTextFile(
    setup.configPath,
    [
      `node_name: ${nodeName}`,
      `data_dir: ${setup.dataDir}`,
      `unix_socket: ${setup.socket}`,
      `listen_addr: 127.0.0.1:${setup.grpcPort}`,
      `cluster_addr: 127.0.0.1:${freePort()}`,
      "",
    ].join("\n"),
  );
  return setup;
}

/** Starts `jacod --config <configPath>`. */
export function startDaemon(configPath: string): Daemon {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", JACOD_V8_FLAGS_ARG, `${root}daemon/main.ts`, "--config", configPath],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  return { child, stderr: new Response(child.stderr).text() };
}

/** Signals the daemon, waits for it to exit and returns its log (stderr). */
export async function stopDaemon(daemon: Daemon, signal: Deno.Signal): Promise<string> {
  try {
    daemon.child.kill(signal);
  } catch {
    // Already exited: nothing to stop.
  }
  await daemon.child.status;
  return await daemon.stderr;
}

/**
 * Resolves once the daemon accepts connections on `path` (polled for up to 30 s: three cold
 * daemons starting at once on a loaded 2-core CI machine have needed more than 15 s). Given the
 * `daemon`, fails at once when it exits early and names its exit code and stderr either way.
 */
export async function waitForSocket(path: string, daemon?: Daemon): Promise<void> {
  let exited: Deno.CommandStatus | undefined;
  daemon?.child.status.then((status) => exited = status);
  for (let attempt = 0; attempt < 600 && !exited; attempt++) {
    try {
      const connection = await Deno.connect({ transport: "unix", path });
      connection.close();
      return;
    } catch {
      // Not listening yet: poll again.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!daemon) throw new Error(`daemon socket ${path} never came up`);
  const how = exited ? `the daemon exited with code ${exited.code}` : "the daemon is still running";
  const stderr = exited ? await daemon.stderr : await stopDaemon(daemon, "SIGKILL");
  throw new Error(`daemon socket ${path} never came up (${how}); stderr:\n${stderr.slice(-4_000)}`);
}

/** Result of one CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `jaco <args>`; `env` entries are added to the inherited environment, and the operator
 * variables (`JACO_TOKEN`, `JACO_SERVER`, `JACO_SOCKET`, `JACO_CA_CERT`) are cleared unless
 * given, so the host's environment never leaks into a test.
 */
export async function jaco(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}cli/main.ts`, ...args],
    stdin: "null",
    env: { JACO_TOKEN: "", JACO_SERVER: "", JACO_SOCKET: "", JACO_CA_CERT: "", ...env },
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** One member of a {@link formCluster} cluster: its name, setup and current process. */
export interface ClusterMember {
  name: string;
  setup: DaemonSetup;
  daemon: Daemon;
}

/** The `cluster status -o json` shape the suites read. */
export interface ClusterStatusJson {
  initialized: boolean;
  leader: string;
  nodes: { hostname: string; status: string; suffrage: string }[];
}

/**
 * `jaco cluster status -o json` on `socket`.
 *
 * @throws {Error} when the CLI exits non-zero
 */
export async function clusterStatus(socket: string): Promise<ClusterStatusJson> {
  const status = await jaco(["cluster", "status", "-o", "json", "--socket", socket]);
  if (status.code !== 0) throw new Error(`cluster status on ${socket}: ${status.stderr}`);
  return JSON.parse(status.stdout);
}

/**
 * `jaco node issue-join-token` on `socket`: the token and CA fingerprint of its join line.
 *
 * @throws {Error} when the CLI fails or prints no join line
 */
export async function issueJoinToken(
  socket: string,
): Promise<{ token: string; fingerprint: string }> {
  const issued = await jaco(["node", "issue-join-token", "--socket", socket]);
  const match = /--token=([0-9a-f]{64}) --ca-fingerprint=([0-9a-f]{64})\n/.exec(issued.stdout);
  if (issued.code !== 0 || !match) throw new Error(`issue-join-token: ${issued.stderr}`);
  return { token: match[1], fingerprint: match[2] };
}

/**
 * Starts one jacod per name (each under its own temp dir named `prefix…`), inits the cluster on
 * the first, joins the others through their own sockets and resolves once every node is a ready
 * voter (polled for up to 30 s). The caller stops the daemons and removes each `setup.dir`;
 * it passes its own `members` array so the daemons started before a failure here can be stopped.
 *
 * @throws {Error} when a CLI step fails or the voters do not settle
 */
export async function formCluster(
  names: string[],
  prefix: string,
  members: ClusterMember[] = [],
): Promise<ClusterMember[]> {
  for (const name of names) {
    const setup = await daemonSetup(name, prefix);
    members.push({ name, setup, daemon: startDaemon(setup.configPath) });
  }
  await Promise.all(members.map((member) => waitForSocket(member.setup.socket, member.daemon)));
  const [first, ...rest] = members;
  const init = await jaco([
    "cluster",
    "init",
    "--socket",
    first.setup.socket,
    "--no-systemd-enable",
  ]);
  if (init.code !== 0) throw new Error(`cluster init: ${init.stderr}`);
  for (const member of rest) {
    const { token, fingerprint } = await issueJoinToken(first.setup.socket);
    const joined = await jaco([
      "node",
      "join",
      `--peer=127.0.0.1:${first.setup.grpcPort}`,
      `--token=${token}`,
      `--ca-fingerprint=${fingerprint}`,
      `--socket=${member.setup.socket}`,
      "--no-systemd-enable",
    ]);
    if (joined.code !== 0) throw new Error(`node join ${member.name}: ${joined.stderr}`);
  }
  for (let attempt = 0; attempt < 120; attempt++) {
    const status = await clusterStatus(first.setup.socket);
    const ready = status.nodes.filter((node) =>
      node.status === "ready" && node.suffrage === "voter"
    );
    if (ready.length === names.length) return members;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`cluster of ${names.join(", ")} never reached ${names.length} ready voters`);
}

/** SIGKILLs the member's jacod and waits for it to exit (its stale socket file is removed). */
export async function killMember(member: ClusterMember): Promise<void> {
  member.daemon.child.kill("SIGKILL");
  await member.daemon.child.status;
  await member.daemon.stderr;
  // A SIGKILLed daemon leaves its socket file behind; absent already is fine.
  await Deno.remove(member.setup.socket).catch(() => undefined);
}

/** Starts the member's jacod again from its config and data dir; resolves once its socket is up. */
export async function restartMember(member: ClusterMember): Promise<void> {
  member.daemon = startDaemon(member.setup.configPath);
  await waitForSocket(member.setup.socket, member.daemon);
}

/**
 * Polls `attempt` every `pollMs` until it resolves to a value (a rejection counts as "not yet").
 *
 * @throws {Error} when nothing comes within `timeoutMs`
 */
export async function pollUntil<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  options: { timeoutMs: number; pollMs: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
  throw new Error(`${what} did not happen within ${options.timeoutMs} ms`);
}

/**
 * The identities of `jaco token list -o json` on `socket`.
 *
 * @throws {Error} when the CLI exits non-zero
 */
export async function tokenIdentities(socket: string): Promise<string[]> {
  const listed = await jaco(["token", "list", "-o", "json", "--socket", socket]);
  if (listed.code !== 0) throw new Error(listed.stderr);
  return (JSON.parse(listed.stdout).tokens as { identity: string }[]).map((t) => t.identity);
}
