import assert from "node:assert/strict";
import { type Node, NodeStatus } from "../../proto/mod.ts";
import { nodeList } from "./node_list.ts";

Deno.test("nodeList() returns every node sorted by hostname with its status", () => {
  const node = (hostname: string) =>
    ({ hostname, address: `${hostname}:7001`, status: NodeStatus.NODE_STATUS_READY }) as Node;
  const { nodes } = nodeList({ nodes: () => [node("n3"), node("n1"), node("n2")] });
  assert.deepEqual(nodes.map((entry) => entry.hostname), ["n1", "n2", "n3"]);
  assert.equal(nodes[0].address, "n1:7001");
  assert.equal(nodes[0].status, NodeStatus.NODE_STATUS_READY);
});
