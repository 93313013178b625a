/**
 * Helpers of the end-to-end daemon suites: a real `jacod` process on a temporary data dir and
 * socket, and the real `jaco` CLI run as a child process.
 *
 * @module
 */

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
    args: ["run", "-A", `${root}daemon/main.ts`, "--config", configPath],
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

/** Resolves once the daemon accepts connections on `path` (polled for up to 15 s). */
export async function waitForSocket(path: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      const connection = await Deno.connect({ transport: "unix", path });
      connection.close();
      return;
    } catch {
      // Not listening yet: poll again.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`daemon socket ${path} never came up`);
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
