import assert from "node:assert/strict";
import { NodeListResponse, NodeStatus } from "../proto/mod.ts";
import { formatNodeList } from "./node_list.ts";

const response = NodeListResponse.fromPartial({
  nodes: [
    { hostname: "node-1", address: "10.0.0.5:7001", status: NodeStatus.NODE_STATUS_READY },
    {
      hostname: "node-2",
      address: "10.0.0.6:7001",
      status: NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE,
    },
  ],
});

Deno.test("formatNodeList() table is headerless, tab-separated, with the raw enum name", async () => {
  assert.equal(
    await formatNodeList(response, "table"),
    "node-1\t10.0.0.5:7001\tNODE_STATUS_READY\n" +
      "node-2\t10.0.0.6:7001\tNODE_STATUS_ISOLATION_UNAVAILABLE\n",
  );
});

Deno.test("formatNodeList() json carries hostname, address and the lower-case status", async () => {
  assert.deepEqual(JSON.parse(await formatNodeList(response, "json")), {
    nodes: [
      { hostname: "node-1", address: "10.0.0.5:7001", status: "ready" },
      { hostname: "node-2", address: "10.0.0.6:7001", status: "isolation_unavailable" },
    ],
  });
});
