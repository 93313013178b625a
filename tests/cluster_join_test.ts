/**
 * End to end: three real `jacod` processes on 127.0.0.1 form a cluster through the real `jaco`
 * CLI — init on node-1, `node issue-join-token`, `node join` on node-2 and node-3 through their
 * own sockets — then `cluster status` on node-1 lists three READY nodes that all become voters,
 * and a SIGKILLed joiner restarts into the quorum.
 * A wrong CA pin stops the join before the token is sent; a spent token and a bogus one are
 * refused with their codes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { JACOD_V8_FLAGS_ARG } from "../daemon/v8_flags.ts";

const root = new URL("../", import.meta.url).pathname;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

interface Daemon {
  name: string;
  configPath: string;
  socket: string;
  grpc: string;
  child: Deno.ChildProcess;
  stderr: Promise<string>;
}

async function startDaemon(dir: string, name: string): Promise<Daemon> {
  const socket = `${dir}/${name}/jaco.sock`;
  const grpc = `127.0.0.1:${freePort()}`;
  const configPath = `${dir}/${name}.yaml`;
  await Deno.writeTextFile(
    configPath,
    [
      `node_name: ${name}`,
      `data_dir: ${dir}/${name}/data`,
      `unix_socket: ${socket}`,
      `listen_addr: ${grpc}`,
      `cluster_addr: 127.0.0.1:${freePort()}`,
      "",
    ].join("\n"),
  );
  return spawnDaemon({ name, socket, grpc, configPath });
}

function spawnDaemon(where: Pick<Daemon, "name" | "socket" | "grpc" | "configPath">): Daemon {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", JACOD_V8_FLAGS_ARG, `${root}daemon/main.ts`, "--config", where.configPath],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  return { ...where, child, stderr: new Response(child.stderr).text() };
}

async function stopDaemon(daemon: Daemon): Promise<string> {
  try {
    daemon.child.kill("SIGTERM");
  } catch {
    // Already exited: nothing to stop.
  }
  await daemon.child.status;
  return await daemon.stderr;
}

async function waitForSocket(path: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
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

async function jaco(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}cli/main.ts`, ...args],
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

async function issueToken(socket: string): Promise<{ token: string; fingerprint: string }> {
  const issued = await jaco("node", "issue-join-token", "--socket", socket);
  assert.equal(issued.code, 0, issued.stderr);
  assert.match(issued.stdout, /Token expires in 24h \(single-use\)\./);
  const match =
    /--peer=<this-node-host:port> --token=([0-9a-f]{64}) --ca-fingerprint=([0-9a-f]{64})\n/
      .exec(issued.stdout);
  assert.ok(match, issued.stdout);
  return { token: match[1], fingerprint: match[2] };
}

interface StatusJson {
  leader: string;
  nodes: { hostname: string; status: string; suffrage: string }[];
}

async function statusOf(socket: string): Promise<StatusJson> {
  const status = await jaco("cluster", "status", "-o", "json", "--socket", socket);
  assert.equal(status.code, 0, status.stderr);
  return JSON.parse(status.stdout);
}

Deno.test({
  name:
    "node join: three jacod processes form a cluster; bad pin, spent and bogus tokens refused; a joiner resumes",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "jaco-cluster-join-" });
    const daemons: Daemon[] = [];
    try {
      for (const name of ["node-1", "node-2", "node-3"]) {
        daemons.push(await startDaemon(dir, name));
      }
      const [one, two, three] = daemons;
      await Promise.all(daemons.map((daemon) => waitForSocket(daemon.socket)));
      const init = await jaco("cluster", "init", "--socket", one.socket, "--no-systemd-enable");
      assert.equal(init.code, 0, init.stderr);

      const { token, fingerprint } = await issueToken(one.socket);
      const wrongPin = await jaco(
        "node",
        "join",
        `--peer=${one.grpc}`,
        `--token=${token}`,
        `--ca-fingerprint=${"0".repeat(64)}`,
        `--socket=${two.socket}`,
        "--no-systemd-enable",
      );
      assert.equal(wrongPin.code, 1);
      assert.match(wrongPin.stderr, /peer presented no ca with fingerprint/);
      const joinTwo = await jaco(
        "node",
        "join",
        "--peer",
        one.grpc,
        "--token",
        token,
        "--ca-fingerprint",
        fingerprint,
        "--socket",
        two.socket,
        "--no-systemd-enable",
      );
      assert.equal(joinTwo.code, 0, joinTwo.stderr);
      assert.equal(joinTwo.stdout, "Joined cluster.\n");

      const reused = await jaco(
        "node",
        "join",
        `--peer=${one.grpc}`,
        `--token=${token}`,
        `--socket=${three.socket}`,
        "--no-systemd-enable",
      );
      assert.equal(reused.code, 1);
      assert.match(reused.stderr, /^Error: join_token_consumed: /);

      const bogus = await jaco(
        "node",
        "join",
        `--peer=${one.grpc}`,
        `--token=${"ab".repeat(32)}`,
        `--socket=${three.socket}`,
        "--no-systemd-enable",
      );
      assert.equal(bogus.code, 1);
      assert.match(bogus.stderr, /^Error: join_token_invalid: /);

      const joinThree = await jaco(
        "node",
        "join",
        `--peer=${one.grpc}`,
        "--socket",
        three.socket,
        "--no-systemd-enable",
      );
      assert.equal(joinThree.code, 1, "no token and no JACO_JOIN_TOKEN is a usage error");
      const { token: second } = await issueToken(one.socket);
      const joined = await jaco(
        "node",
        "join",
        `--peer=${one.grpc}`,
        `--token=${second}`,
        `--socket=${three.socket}`,
        "--no-systemd-enable",
      );
      assert.equal(joined.code, 0, joined.stderr);

      let status = await statusOf(one.socket);
      for (let attempt = 0; attempt < 120; attempt++) {
        if (status.nodes.filter((node) => node.suffrage === "voter").length === 3) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = await statusOf(one.socket);
      }
      assert.equal(status.leader, "node-1");
      assert.deepEqual(
        status.nodes.map((node) => [node.hostname, node.status, node.suffrage]),
        [["node-1", "ready", "voter"], ["node-2", "ready", "voter"], [
          "node-3",
          "ready",
          "voter",
        ]],
      );
      const fromThree = await statusOf(three.socket);
      assert.equal(fromThree.nodes.length, 3, "the joiner's replicated state lists every member");

      // A restarted joiner reaches node-1 from node/join.json (node-1's address is in no
      // conf-change entry): with node-3 gone, a write on node-1 commits only with node-2's ack.
      two.child.kill("SIGKILL");
      await two.child.status;
      await two.stderr;
      await Deno.remove(two.socket).catch(() => undefined);
      const restarted = spawnDaemon(two);
      daemons[1] = restarted;
      await waitForSocket(restarted.socket);
      await stopDaemon(three);
      const afterRestart = await issueToken(one.socket);
      assert.match(afterRestart.token, /^[0-9a-f]{64}$/);
    } finally {
      const logs = await Promise.all(daemons.map(stopDaemon));
      if (Deno.env.get("JACO_TEST_LOGS")) console.error(logs.join("\n----\n"));
      await Deno.remove(dir, { recursive: true });
    }
  },
});
