/**
 * Regression (security): a gRPC client that makes a few hundred calls on one channel to jacod's
 * TLS port and then closes it sends an HTTP/2 GOAWAY, on which Deno 2.9.6's nghttp2 aborted the
 * daemon (`find_stream_on_goaway_func`, exit 134/139) in nearly every run. The daemon now drops
 * client GOAWAY frames before nghttp2 (daemon/api/_h2_goaway_guard.ts) and, on SIGTERM, closes
 * its connections without sending a GOAWAY of its own (which aborted busy Deno clients the same
 * way).
 *
 * Decision: the client of the SIGTERM case runs in a child process (this file under `deno run`
 * with `JACO_GOAWAY_CLIENT` set), so a crash shows as its exit code instead of killing the runner.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { daemonSetup, jaco, startDaemon, stopDaemon, waitForSocket } from "./_daemon.ts";

const nodeName = "node-goaway";
const CALLS = 400;
const CONCURRENCY = 50;

/** Raw Cluster.NodeList: empty request bytes, response bytes not decoded. */
const NodeList = grpc.makeGenericClientConstructor({
  NodeList: {
    path: "/jaco.v1.Cluster/NodeList",
    requestStream: false,
    responseStream: false,
    requestSerialize: () => Buffer.alloc(0),
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (bytes: Buffer) => bytes,
    responseDeserialize: (bytes: Buffer) => bytes,
  },
}, "Cluster");

type NodeListClient = grpc.Client & {
  NodeList(
    request: unknown,
    metadata: grpc.Metadata,
    callback: (error: grpc.ServiceError | null) => void,
  ): void;
};

function connect(port: number, caPem: string): NodeListClient {
  return new NodeList(`127.0.0.1:${port}`, grpc.credentials.createSsl(Buffer.from(caPem)), {
    "grpc.ssl_target_name_override": nodeName,
  }) as unknown as NodeListClient;
}

function call(client: NodeListClient, token?: string): Promise<grpc.ServiceError | null> {
  const metadata = new grpc.Metadata();
  if (token) metadata.set("authorization", `Bearer ${token}`);
  return new Promise((resolve) => client.NodeList({}, metadata, (error) => resolve(error)));
}

/** `CALLS` calls, `CONCURRENCY` at a time, on one channel; returns the failed count. */
async function burst(client: NodeListClient, token?: string): Promise<number> {
  let failed = 0;
  for (let start = 0; start < CALLS; start += CONCURRENCY) {
    const errors = await Promise.all(
      Array.from({ length: CONCURRENCY }, () => call(client, token)),
    );
    failed += errors.filter((error) => error !== null).length;
  }
  return failed;
}

/** Child mode: one busy channel kept open until the daemon goes away. */
async function clientChild(port: number, caPem: string, token: string): Promise<never> {
  const client = connect(port, caPem);
  const failed = await burst(client, token);
  console.log(`ready ${failed}`);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const error = await call(client, token);
    if (error?.code === grpc.status.UNAVAILABLE) Deno.exit(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  Deno.exit(2);
}

const childPort = Deno.env.get("JACO_GOAWAY_CLIENT");
if (childPort) {
  await clientChild(
    Number(childPort),
    await Deno.readTextFile(Deno.env.get("JACO_GOAWAY_CA")!),
    Deno.env.get("JACO_GOAWAY_TOKEN")!,
  );
}

async function initialized() {
  const setup = await daemonSetup(nodeName, "jaco-goaway-");
  const daemon = startDaemon(setup.configPath);
  await waitForSocket(setup.socket);
  const init = await jaco(["cluster", "init", "--socket", setup.socket, "--no-systemd-enable"]);
  assert.equal(init.code, 0, init.stderr);
  const token = /[0-9a-f]{64}/.exec(init.stdout)![0];
  const caPath = `${setup.dataDir}/node/ca.crt`;
  return { setup, daemon, token, caPath, caPem: await Deno.readTextFile(caPath) };
}

Deno.test({
  name: "jacod survives grpc-js channels closed after 400 calls each, refused or admitted",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { setup, daemon, token, caPem } = await initialized();
    try {
      for (let round = 0; round < 6; round++) {
        const authorized = round % 2 === 1;
        const client = connect(setup.grpcPort, caPem);
        const failed = await burst(client, authorized ? token : undefined);
        assert.equal(failed, authorized ? 0 : CALLS, `round ${round}`);
        client.close(); // sends GOAWAY on the busy connection
        // The daemon still answers, on a fresh connection.
        const probe = connect(setup.grpcPort, caPem);
        assert.equal(await call(probe, token), null, `round ${round}: daemon answers`);
        probe.close();
      }
    } finally {
      await stopDaemon(daemon, "SIGTERM");
      await Deno.remove(setup.dir, { recursive: true });
    }
    // A crash at any point would have left 134 (SIGABRT) or 139 here instead of a clean exit.
    assert.deepEqual({ ...await daemon.child.status }, { success: true, code: 0, signal: null });
  },
});

Deno.test({
  name: "SIGTERM of jacod ends a busy client channel without crashing the (Deno) client",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { setup, daemon, token, caPath } = await initialized();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname],
      env: {
        JACO_GOAWAY_CLIENT: String(setup.grpcPort),
        JACO_GOAWAY_CA: caPath,
        JACO_GOAWAY_TOKEN: token,
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const first = await reader.read();
      assert.equal(first.value?.trim(), "ready 0");
      reader.releaseLock();
      await stopDaemon(daemon, "SIGTERM");
      assert.deepEqual({ ...await daemon.child.status }, { success: true, code: 0, signal: null });
      const status = await child.status;
      const stderr = await new Response(child.stderr).text();
      assert.deepEqual({ ...status }, { success: true, code: 0, signal: null }, stderr);
    } finally {
      await stopDaemon(daemon, "SIGTERM");
      await Deno.remove(setup.dir, { recursive: true });
    }
  },
});
