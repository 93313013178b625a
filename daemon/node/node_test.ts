import assert from "node:assert/strict";
import { isJacoError } from "../../proto/errors.ts";
import { NodeStatus } from "../../proto/mod.ts";
import { resolveAddresses } from "../addresses.ts";
import { parseDaemonConfig } from "../config.ts";
import { JacoNode } from "./node.ts";
import { textLogger } from "./log.ts";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function startNode(
  root: string,
  clusterPort = freePort(),
  listenPort = freePort(),
): Promise<JacoNode> {
  const config = parseDaemonConfig(
    [
      "node_name: node-a",
      `data_dir: ${root}/data`,
      `unix_socket: ${root}/run/jaco.sock`,
      `listen_addr: 127.0.0.1:${listenPort}`,
      `cluster_addr: 127.0.0.1:${clusterPort}`,
    ].join("\n"),
    "test",
    { hostname: "ignored" },
  );
  return await JacoNode.start({
    config,
    addresses: resolveAddresses(config, []),
    interfaces: [],
    log: textLogger({ level: "error", write: () => {} }),
  });
}

Deno.test("JacoNode init bootstraps a one-voter cluster, refuses a second init and resumes after restart", async () => {
  const root = await Deno.makeTempDir();
  let node = await startNode(root);
  try {
    assert.equal(node.status().initialized, false);
    const { clusterId, operatorToken } = await node.init();
    assert.match(operatorToken, /^[0-9a-f]{64}$/);
    const status = node.status();
    assert.equal(status.initialized, true);
    assert.equal(status.leader, "node-a");
    assert.deepEqual(status.nodes.map((n) => [n.hostname, n.status]), [
      ["node-a", NodeStatus.NODE_STATUS_READY],
    ]);
    assert.notEqual(node.grpcPort, undefined);
    await assert.rejects(
      () => node.init(),
      (error) => isJacoError(error) && error.code === "cluster_already_initialized",
    );
    await node.stop();
    node = await startNode(root);
    assert.equal(node.initialized, true);
    for (let i = 0; i < 100 && node.status().nodes.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(node.status().nodes.map((n) => n.hostname), ["node-a"]);
    assert.equal(status.nodes[0].address, node.status().nodes[0].address);
    assert.ok(clusterId);
  } finally {
    await node.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("JacoNode init that cannot start raft removes its state so init can be retried", async () => {
  const root = await Deno.makeTempDir();
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const node = await startNode(root, (blocker.addr as Deno.NetAddr).port);
  try {
    await assert.rejects(() => node.init());
    assert.equal(node.initialized, false);
    await assert.rejects(() => Deno.lstat(`${root}/data/raft`), Deno.errors.NotFound);
    await assert.rejects(() => Deno.lstat(`${root}/data/node`), Deno.errors.NotFound);
    blocker.close();
    const { clusterId } = await node.init();
    assert.equal(node.status().initialized, true);
    assert.ok(clusterId);
  } finally {
    await node.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("JacoNode init is single-flight: of two concurrent inits one wins, one is refused", async () => {
  const root = await Deno.makeTempDir();
  const node = await startNode(root);
  try {
    const outcomes = await Promise.allSettled([node.init(), node.init()]);
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ["fulfilled", "rejected"]);
    const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    assert.ok(isJacoError(refused.reason));
    assert.equal(refused.reason.code, "cluster_already_initialized");
    assert.equal(node.status().nodes.length, 1);
  } finally {
    await node.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("JacoNode init still returns the operator token when the gRPC port is taken", async () => {
  const root = await Deno.makeTempDir();
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const node = await startNode(root, freePort(), (blocker.addr as Deno.NetAddr).port);
  try {
    const { operatorToken } = await node.init();
    assert.match(operatorToken, /^[0-9a-f]{64}$/);
    assert.equal(node.initialized, true);
    assert.equal(node.grpcPort, undefined);
  } finally {
    blocker.close();
    await node.stop();
    await Deno.remove(root, { recursive: true });
  }
});
