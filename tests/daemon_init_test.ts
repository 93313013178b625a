/**
 * End to end: a real `jacod` process and the real `jaco` CLI. Status before init, init, status
 * after, a refused second init, SIGKILL + restart from the same data dir (resume from the raft
 * log), and the gRPC TLS listener answering `Cluster.Status` with the cluster CA pinned.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { ClusterStatusRequest, type ClusterStatusResponse, services } from "../proto/mod.ts";
import { daemonSetup, jaco as runJaco, startDaemon, stopDaemon, waitForSocket } from "./_daemon.ts";

const jaco = (...args: string[]) => runJaco(args);

const root = new URL("../", import.meta.url).pathname;
const nodeName = "node-e2e";

function grpcStatus(port: number, caPem: string): Promise<ClusterStatusResponse> {
  const Client = grpc.makeGenericClientConstructor(services.Cluster.grpc, "Cluster");
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createSsl(Buffer.from(caPem)), {
    "grpc.ssl_target_name_override": nodeName,
  }) as grpc.Client & Record<string, unknown>;
  return new Promise<ClusterStatusResponse>((resolve, reject) => {
    (client.Status as (
      request: unknown,
      callback: (error: grpc.ServiceError | null, value?: ClusterStatusResponse) => void,
    ) => void).call(client, ClusterStatusRequest.fromPartial({}), (error, value) => {
      client.close();
      if (error) reject(error);
      else resolve(value!);
    });
  });
}

Deno.test({
  name: "jacod init: status, init, refused re-init, SIGKILL + resume, gRPC status with CA pinned",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { dir, socket, grpcPort, configPath } = await daemonSetup(nodeName, "jaco-daemon-init-");
    let daemon = startDaemon(configPath);
    try {
      await waitForSocket(socket);
      assert.equal((await Deno.stat(socket)).mode! & 0o777, 0o660);
      const before = await jaco("cluster", "status", "--socket", socket);
      assert.equal(before.code, 0, before.stderr);
      assert.match(before.stdout, /^Status: {4}uninitialized\n/);

      const init = await jaco("cluster", "init", "--socket", socket, "--no-systemd-enable");
      assert.equal(init.code, 0, init.stderr);
      const clusterId = /cluster_id: {5}([0-9a-f-]{36})\n/.exec(init.stdout)?.[1];
      assert.ok(clusterId, init.stdout);
      assert.match(init.stdout, /operator_token: [0-9a-f]{64}\n/);
      assert.match(init.stdout, /Save the operator token now — it cannot be recovered\.\n$/);

      const after = await jaco("cluster", "status", "--socket", socket);
      assert.equal(after.code, 0, after.stderr);
      assert.match(after.stdout, /^Status: {5}initialized\nLeader: {5}node-e2e\n/);
      assert.match(
        after.stdout,
        /Nodes \(1\):\n {2}- node-e2e @ 127\.0\.0\.1:\d+ \[READY, VOTER\]\n$/,
      );

      const again = await jaco("cluster", "init", "--socket", socket, "--no-systemd-enable");
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^Error: cluster_already_initialized: /);

      const caPem = await Deno.readTextFile(`${dir}/data/node/ca.crt`);
      const viaGrpc = await grpcStatus(grpcPort, caPem);
      assert.equal(viaGrpc.initialized, true);
      assert.equal(viaGrpc.leader, nodeName);

      await stopDaemon(daemon, "SIGKILL");
      daemon = startDaemon(configPath);
      await waitForSocket(socket);
      let resumed = { initialized: false, cluster_id: "", nodes: [] as { hostname: string }[] };
      for (let attempt = 0; attempt < 50 && resumed.nodes.length === 0; attempt++) {
        const status = await jaco("-o", "json", "cluster", "status", "--socket", socket);
        assert.equal(status.code, 0, status.stderr);
        resumed = JSON.parse(status.stdout);
      }
      assert.equal(resumed.initialized, true);
      assert.deepEqual(resumed.nodes.map((node) => node.hostname), [nodeName]);
      const viaGrpcAfter = await grpcStatus(grpcPort, caPem);
      assert.equal(viaGrpcAfter.leader, nodeName);
      const reinit = await jaco("cluster", "init", "--socket", socket, "--no-systemd-enable");
      assert.match(reinit.stderr, /^Error: cluster_already_initialized: /);
      const log = await stopDaemon(daemon, "SIGTERM");
      assert.match(log, new RegExp(`INFO cluster state loaded cluster_id=${clusterId} `));
      assert.match(log, /INFO stopped\n/);
      assert.equal((await daemon.child.status).code, 0);
      await assert.rejects(() => Deno.lstat(socket), Deno.errors.NotFound);
    } finally {
      await stopDaemon(daemon, "SIGTERM");
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("jacod --version prints the bare version and exits 0", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}daemon/main.ts`, "--version"],
    stdin: "null",
  }).output();
  assert.equal(output.code, 0);
  assert.match(new TextDecoder().decode(output.stdout), /^v\d+\.\d+\.\d+\n$/);
});
