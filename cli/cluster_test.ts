import assert from "node:assert/strict";
import { ClusterStatusResponse, NodeStatus, NodeSuffrage_Kind } from "../proto/mod.ts";
import { memoryIo } from "./_io.ts";
import { parse as parseYaml } from "yaml";
import {
  formatClusterStatus,
  formatInit,
  formatInitResult,
  notesIo,
  systemdEnableStep,
} from "./cluster.ts";

const initialized = ClusterStatusResponse.fromPartial({
  initialized: true,
  leader: "node-1",
  raftIndex: 4178,
  nodes: [
    { hostname: "node-1", address: "10.0.0.5:7001", status: NodeStatus.NODE_STATUS_READY },
    { hostname: "node-2", address: "10.0.0.6:7001", status: NodeStatus.NODE_STATUS_JOINING },
  ],
  suffrages: [{ hostname: "node-1", kind: NodeSuffrage_Kind.KIND_VOTER }],
});

Deno.test("formatClusterStatus() prints the uninitialized table of cli.md", async () => {
  assert.equal(
    await formatClusterStatus(ClusterStatusResponse.fromPartial({}), "table"),
    "Status:    uninitialized\n\nRun `jaco cluster init` to start a new cluster,\n" +
      "or `jaco node join` to join an existing one.\n",
  );
});

Deno.test("formatClusterStatus() prints members with UPPERCASE status and ? for unknown suffrage", async () => {
  assert.equal(
    await formatClusterStatus(initialized, "table"),
    "Status:     initialized\nLeader:     node-1\nRaft index: 4178\nMesh:       unavailable\n" +
      "Nodes (2):\n" +
      "  - node-1 @ 10.0.0.5:7001 [READY, VOTER]\n  - node-2 @ 10.0.0.6:7001 [JOINING, ?]\n",
  );
  const leaderless = ClusterStatusResponse.fromPartial({ initialized: true, raftIndex: 1 });
  assert.match(
    await formatClusterStatus(leaderless, "table"),
    /^Leader: {5}\(no leader elected\)$/m,
  );
});

Deno.test("formatClusterStatus() keeps the json shape stable, lowercase enums", async () => {
  assert.deepEqual(JSON.parse(await formatClusterStatus(initialized, "json")), {
    initialized: true,
    leader: "node-1",
    raft_index: 4178,
    mesh_mode: "",
    nodes: [
      {
        hostname: "node-1",
        address: "10.0.0.5:7001",
        status: "ready",
        suffrage: "voter",
        mesh_ip: "",
      },
      {
        hostname: "node-2",
        address: "10.0.0.6:7001",
        status: "joining",
        suffrage: "unknown",
        mesh_ip: "",
      },
    ],
  });
  const empty = JSON.parse(
    await formatClusterStatus(ClusterStatusResponse.fromPartial({}), "json"),
  );
  assert.deepEqual(empty, {
    initialized: false,
    leader: "",
    raft_index: 0,
    mesh_mode: "",
    nodes: [],
  });
});

Deno.test("formatInitResult() prints the id, the token and the save-it-now line", () => {
  assert.equal(
    formatInitResult({ clusterId: "c-1", operatorToken: "ab".repeat(32) }),
    `Cluster initialized.\n  cluster_id:     c-1\n  operator_token: ${"ab".repeat(32)}\n\n` +
      "Save the operator token now — it cannot be recovered.\n",
  );
});

Deno.test("systemdEnableStep() prints the Note when systemctl is missing", async () => {
  const io = memoryIo();
  const calls: string[][] = [];
  await systemdEnableStep(io, (program, args) => {
    calls.push([program, ...args]);
    return Promise.reject(new Deno.errors.NotFound("systemctl"));
  });
  assert.deepEqual(calls, [["systemctl", "enable", "jaco"]]);
  assert.match(io.out, /^Note: systemctl not found; skipping auto-enable\./);
  assert.equal(io.err, "");
});

Deno.test("systemdEnableStep() reports success, and a failure as a warning with the manual fix", async () => {
  const ok = memoryIo();
  await systemdEnableStep(ok, () => Promise.resolve({ code: 0, output: "" }));
  assert.equal(ok.out, "Enabled jaco.service to start on boot — this node now survives reboot.\n");
  const failed = memoryIo();
  await systemdEnableStep(failed, () => Promise.resolve({ code: 1, output: "no unit" }));
  assert.equal(failed.out, "");
  assert.equal(
    failed.err,
    "warning: `systemctl enable jaco` failed: exit status 1: no unit\n" +
      "Run `sudo systemctl enable jaco` manually so this node rejoins the cluster after a reboot.\n",
  );
});

Deno.test("cluster init -o json|yaml prints {cluster_id, operator_token}; notes go to stderr", async () => {
  const response = { clusterId: "c-1", operatorToken: "ab".repeat(32) };
  const expected = { cluster_id: "c-1", operator_token: "ab".repeat(32) };
  assert.deepEqual(JSON.parse(await formatInit(response, "json")), expected);
  assert.deepEqual(parseYaml(await formatInit(response, "yaml")), expected);
  assert.equal(await formatInit(response, "table"), formatInitResult(response));
  const io = memoryIo();
  notesIo(io, "json").stdout("note\n");
  assert.equal(io.out, "");
  assert.equal(io.err, "note\n");
});
