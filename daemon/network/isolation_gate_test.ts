import assert from "node:assert/strict";
import type { BridgeTarget } from "../../net/mod.ts";
import { MemoryFirewall } from "../../net/mod.ts";
import { isJacoError } from "../../proto/errors.ts";
import { NodeStatus } from "../../proto/mod.ts";
import { NetKit, until } from "./_kit_test.ts";
import { startFirewallLoop } from "./firewall_loop.ts";
import { IsolationGate, isolationGate } from "./isolation_gate.ts";
import { LocalNetworks } from "./local_networks.ts";

Deno.test("IsolationGate: wait resolves once the CIDR is published, times out with isolation_unavailable", async () => {
  const gate = new IsolationGate();
  const waiting = gate.wait("10.244.0.0/24", 5_000);
  gate.publish(["10.244.1.0/24"]);
  let settled = false;
  waiting.then(() => settled = true);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(settled, false, "another CIDR does not open the gate");
  gate.publish(["10.244.1.0/24", "10.244.0.0/24"]);
  await waiting;
  assert.equal(gate.covers("10.244.0.0/24"), true);
  gate.publish([]);
  assert.equal(gate.covers("10.244.0.0/24"), false);
  await assert.rejects(gate.wait("10.244.0.0/24", 20), (error) => {
    assert.ok(isJacoError(error));
    assert.equal(error.code, "isolation_unavailable");
    assert.match(error.message, /10\.244\.0\.0\/24 is not yet in this host's isolation ruleset/);
    return true;
  });
  assert.equal(isolationGate("gate-test"), isolationGate("gate-test"), "one gate per node");
});

Deno.test("isolation gate: LocalNetworks finishes step 4 on a fresh /24 only after the firewall loop applied and verified it", async () => {
  const kit = new NetKit();
  await kit.apply({ $case: "nodeJoin", value: { hostname: "n1" } as never });
  await kit.apply({
    $case: "nodeStatusUpdate",
    value: { hostname: "n1", status: NodeStatus.NODE_STATUS_READY } as never,
  });
  const fw = new MemoryFirewall();
  const gate = new IsolationGate();
  const controller = new AbortController();
  const loop = startFirewallLoop({
    nodeName: "n1",
    config: { ipamPool: "10.244.0.0/16" },
    state: kit.state,
    raft: { status: () => ({ leader: "n1" }) },
    submit: (payload, identity) => kit.apply(payload, identity),
    log: kit.log,
    signal: controller.signal,
  }, {
    backend: fw,
    gate,
    enabled: () => Promise.resolve(true),
    debounceMs: 5,
    tickMs: 60_000,
  });
  const ensured: BridgeTarget[] = [];
  const networks = new LocalNetworks({
    nodeName: "n1",
    view: () => kit.state.view(),
    // The leader's answer comes before the record replicates here (committed 50 ms later).
    ensureSubnet: (key) => {
      setTimeout(
        () => kit.apply({ $case: "subnetAllocate", value: { ...key, cidr: "10.244.7.0/24" } }),
        50,
      );
      return Promise.resolve("10.244.7.0/24");
    },
    bridges: {
      ensure: (target) => {
        ensured.push(target);
        return Promise.resolve("id");
      },
    },
    isolated: (cidr) => gate.wait(cidr, 5_000),
  });
  try {
    const gateways = await networks.prepare({ clusterId: "c1", deployment: "web", networks: [] });
    assert.deepEqual(gateways, ["10.244.7.1"]);
    assert.equal(ensured.length, 1);
    const live = fw.applied.at(-1) ?? "";
    assert.match(live, /set dep_net_web__default \{[^}]*10\.244\.7\.0\/24/, "applied first");

    fw.failApply = "nft: Operation not permitted";
    fw.tamper((doc) => {
      doc.nftables = doc.nftables.filter((entry) => !("rule" in entry));
    });
    await until(
      "unavailable",
      () => kit.state.view().node("n1")?.status === NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE,
    );
    const blocked = new LocalNetworks({
      nodeName: "n1",
      view: () => kit.state.view(),
      ensureSubnet: () => Promise.reject(new Error("not asked")),
      bridges: { ensure: () => Promise.resolve("id") },
      isolated: (cidr) => gate.wait(cidr, 300),
    });
    await assert.rejects(
      blocked.prepare({ clusterId: "c1", deployment: "web", networks: [] }),
      /not yet in this host's isolation ruleset/,
      "a failed ruleset closes the gate",
    );
  } finally {
    controller.abort();
    await loop.stop();
  }
});
