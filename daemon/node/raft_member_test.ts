import assert from "node:assert/strict";
import { isJacoError } from "../../proto/errors.ts";
import { ClusterState } from "../../state/mod.ts";
import { EntryType } from "../../raft/mod.ts";
import { clusterInitCommand, createBootstrapMaterial } from "./init.ts";
import { Command } from "../../proto/mod.ts";
import { peersOfState, stateMachineOf, waitForLeadership } from "./raft_member.ts";

Deno.test("waitForLeadership() resolves once the member leads and fails with no_leader past the timeout", async () => {
  let polls = 0;
  await waitForLeadership({
    status: () => ({ role: ++polls >= 3 ? "leader" : "candidate" }) as never,
  }, { timeoutMs: 1000, pollMs: 1 });
  assert.equal(polls, 3);
  await assert.rejects(
    () =>
      waitForLeadership({ status: () => ({ role: "follower" }) as never }, {
        timeoutMs: 20,
        pollMs: 5,
      }),
    (error) => isJacoError(error) && error.code === "no_leader",
  );
});

Deno.test("stateMachineOf() applies entries into ClusterState and restores its snapshots", async () => {
  const material = await createBootstrapMaterial({ hostname: "n1", ips: [], now: new Date() });
  const data = Command.encode(
    clusterInitCommand(material, { hostname: "n1", raftAddress: "10.0.0.1:7001", now: new Date() }),
  ).finish();
  const source = new ClusterState();
  const machine = stateMachineOf(source);
  machine.apply({ term: 1, index: 3, type: EntryType.normal, data });
  assert.deepEqual(source.view().nodes().map((n) => n.hostname), ["n1"]);
  const target = new ClusterState();
  await stateMachineOf(target).restore({
    meta: { index: 3, term: 1, conf: { voters: ["n1"], learners: [] } },
    data: await machine.snapshot(),
  });
  assert.equal(target.appliedIndex, 3);
  assert.equal(target.view().clusterMeta()?.clusterId, material.clusterId);
});

Deno.test("stateMachineOf() hands the restored view to onRestored, and peersOfState() lists every other member's raft address", async () => {
  const material = await createBootstrapMaterial({ hostname: "n1", ips: [], now: new Date() });
  const data = Command.encode(
    clusterInitCommand(material, { hostname: "n1", raftAddress: "10.0.0.1:7001", now: new Date() }),
  ).finish();
  const source = new ClusterState();
  stateMachineOf(source).apply({ term: 1, index: 3, type: EntryType.normal, data });
  const seeded: Record<string, string>[] = [];
  await stateMachineOf(new ClusterState(), (view) => seeded.push(peersOfState(view, "n2")))
    .restore({
      meta: { index: 3, term: 1, conf: { voters: ["n1"], learners: [] } },
      data: await source.snapshot(),
    });
  assert.deepEqual(seeded, [{ n1: "10.0.0.1:7001" }], "the init node is a peer of n2");
  assert.deepEqual(peersOfState(source.view(), "n1"), {}, "a member is never its own peer");
});

Deno.test("peersOfState() skips Node records without an address", () => {
  const view = {
    nodes: () => [{ hostname: "n2", address: "" }, { hostname: "n3", address: "10.0.0.3:7001" }],
  } as never;
  assert.deepEqual(peersOfState(view, "n1"), { n3: "10.0.0.3:7001" });
});
