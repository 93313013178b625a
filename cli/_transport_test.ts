import assert from "node:assert/strict";
import type { GlobalOptions } from "./_command.ts";
import { memoryIo } from "./_io.ts";
import { createLogger } from "./_log.ts";
import { dialDaemon, transportEnvironment } from "./_transport.ts";
import { DialRuleError, insecureWarning } from "./_transport_flags.ts";

const globals: GlobalOptions = { output: "table", verbose: true, quiet: false };

function context(flags: Record<string, string | undefined>, server?: string) {
  const io = memoryIo({}, {});
  const log = createLogger("debug", (text) => io.stderr(text));
  return { io, context: { flags, globals: { ...globals, server }, io, log } };
}

Deno.test("dialDaemon() calls the daemon on the socket the flags name", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/jaco.sock`;
  const server = Deno.serve(
    { transport: "unix", path, onListen() {} },
    (request) =>
      new URL(request.url).pathname === "/jaco.v1.Cluster/Status"
        ? Response.json({ initialized: true, leader: "node-a", raftIndex: "7", nodes: [] })
        : new Response("not found", { status: 404 }),
  );
  const { io, context: ctx } = context({ socket: path });
  const client = dialDaemon(ctx);
  try {
    const status = await client.unary("Cluster", "Status", {}, { deadlineMs: 5_000 });
    assert.equal(status.initialized, true);
    assert.equal(status.leader, "node-a");
    assert.equal(status.raftIndex, 7);
    assert.equal(io.err, `debug: dialing socket ${path}\n`);
  } finally {
    client.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dialDaemon() prefers the command's --server and never logs the token", () => {
  const { io, context: ctx } = context(
    { server: "127.0.0.1:7443", token: "s3cret-token", "ca-cert": "" },
    "10.0.0.1:7000",
  );
  const client = dialDaemon(ctx);
  client.close();
  assert.equal(client.target, "tcp 127.0.0.1:7443");
  assert.equal(io.err, `${insecureWarning}\ndebug: dialing tcp 127.0.0.1:7443 (unverified TLS)\n`);
  assert.ok(!io.err.includes("s3cret-token"));
});

Deno.test("dialDaemon() falls back to the global --server", () => {
  const { context: ctx } = context({ token: "t", "ca-cert": "" }, "10.0.0.1");
  const client = dialDaemon(ctx);
  client.close();
  assert.equal(client.target, "tcp 10.0.0.1:7000");
});

Deno.test("dialDaemon() fails before dialing when the socket is missing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { context: ctx } = context({ socket: `${dir}/none.sock` });
    assert.throws(
      () => dialDaemon(ctx),
      new DialRuleError(
        `no --server given and local socket ${dir}/none.sock is not available: pass --server ` +
          "(host:port) with --token, or run this command on a cluster node with the jaco " +
          "daemon socket",
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("transportEnvironment() reports an existing path and a missing one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const environment = transportEnvironment(memoryIo());
    assert.equal(environment.exists(dir), true);
    assert.equal(environment.exists(`${dir}/missing.sock`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
