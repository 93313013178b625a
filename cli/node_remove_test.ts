import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { NodeRemoveResponse } from "../proto/mod.ts";
import { formatNodeRemove } from "./node_remove.ts";

const response = NodeRemoveResponse.fromPartial({
  hostname: "node-3",
  forced: false,
  replicasMoved: 2,
});

Deno.test("node remove prints Removed node <hostname> as a table", async () => {
  assert.equal(await formatNodeRemove(response, "table"), "Removed node node-3\n");
});

Deno.test("node remove -o json prints hostname, forced and replicas_moved", async () => {
  assert.deepEqual(JSON.parse(await formatNodeRemove(response, "json")), {
    hostname: "node-3",
    forced: false,
    replicas_moved: 2,
  });
});

Deno.test("node remove -o yaml prints the same document", async () => {
  assert.deepEqual(parseYaml(await formatNodeRemove(response, "yaml")), {
    hostname: "node-3",
    forced: false,
    replicas_moved: 2,
  });
});
