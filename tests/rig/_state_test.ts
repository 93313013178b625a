import assert from "node:assert/strict";
import { newRigId, ownerAlive, ownerPidOf } from "./_state.ts";
import { startTimeOf } from "./_exec.ts";

Deno.test("newRigId() embeds the name and owner pid and ownerPidOf() reads the pid back", () => {
  const id = newRigId("t1", 4242, () => 0.5);
  assert.equal(id, "t1-4242-8000");
  assert.equal(ownerPidOf(id), 4242);
  assert.equal(ownerPidOf("not-a-rig"), undefined);
});

Deno.test("newRigId() rejects names that would not make safe paths", () => {
  assert.throws(() => newRigId("Bad/Name", 1, Math.random), /rig name "Bad\/Name" must match/);
  assert.throws(() => newRigId("", 1, Math.random), /must match/);
});

Deno.test("ownerAlive() is true for this process and false after a restart or exit", () => {
  const startTime = startTimeOf(Deno.pid) ?? "";
  assert.ok(ownerAlive({ ownerPid: Deno.pid, ownerStartTime: startTime }));
  assert.equal(ownerAlive({ ownerPid: Deno.pid, ownerStartTime: "1" }), false, "pid reused");
  assert.equal(ownerAlive({ ownerPid: 2 ** 22 + 1, ownerStartTime: startTime }), false);
});
