import assert from "node:assert/strict";
import { isReplicaCommandOp, ReplicaCommandOp } from "./replica_command_ops.ts";

Deno.test("isReplicaCommandOp() accepts restart and remove_from_routing only", () => {
  assert.deepEqual(Object.values(ReplicaCommandOp), ["restart", "remove_from_routing"]);
  assert.ok(isReplicaCommandOp("restart"));
  assert.ok(!isReplicaCommandOp("stop"));
  assert.ok(!isReplicaCommandOp("hasOwnProperty"));
});
