import assert from "node:assert/strict";
import { MemoryFirewall } from "../../net/mod.ts";
import { AuditEventType, NodeStatus } from "../../proto/mod.ts";
import { NetKit, until } from "./_kit_test.ts";
import {
  type FirewallLoopOptions,
  nftMissingReason,
  noRuntimeReason,
  startFirewallLoop,
} from "./firewall_loop.ts";

interface Harness {
  kit: NetKit;
  fw: MemoryFirewall;
  leader: { value: string };
  stop(): Promise<void>;
}

async function harness(
  options: FirewallLoopOptions & {
    status?: NodeStatus;
    details?: Record<string, string>;
    leader?: string;
  } = {},
): Promise<Harness> {
  const kit = new NetKit();
  await kit.apply({ $case: "nodeJoin", value: { hostname: "n1" } as never });
  await kit.apply({
    $case: "nodeStatusUpdate",
    value: {
      hostname: "n1",
      status: options.status ?? NodeStatus.NODE_STATUS_READY,
      details: options.details ?? {},
    } as never,
  });
  const fw = (options.backend as MemoryFirewall | undefined) ?? new MemoryFirewall();
  const leader = { value: options.leader ?? "n1" };
  const controller = new AbortController();
  const loop = startFirewallLoop({
    nodeName: "n1",
    config: { ipamPool: "10.244.0.0/16" },
    state: kit.state,
    raft: { status: () => ({ leader: leader.value }) },
    submit: (payload, identity) => kit.apply(payload, identity),
    log: kit.log,
    signal: controller.signal,
  }, {
    enabled: () => Promise.resolve(true),
    debounceMs: 5,
    tickMs: 60_000,
    ...options,
    backend: fw,
  });
  return {
    kit,
    fw,
    leader,
    async stop() {
      controller.abort();
      await loop.stop();
    },
  };
}

function allocate(kit: NetKit, deployment: string, host: string, octet: number) {
  return kit.apply({
    $case: "subnetAllocate",
    value: { deployment, network: "_default", host, cidr: `10.244.${octet}.0/24` },
  }, "scheduler");
}

function audits(kit: NetKit, type: AuditEventType): Record<string, string>[] {
  return kit.state.view().auditEvents().filter((event) => event.type === type)
    .map((event) => event.payload);
}

const reconciled = AuditEventType.AUDIT_EVENT_TYPE_ISOLATION_RULESET_RECONCILED;
const unavailable = AuditEventType.AUDIT_EVENT_TYPE_ISOLATION_UNAVAILABLE;
const status = (kit: NetKit) => kit.state.view().node("n1");

Deno.test("firewall loop: applies at start, re-applies on a new subnet event (debounced, long before the safety tick), audits applied with the drift", async () => {
  const h = await harness();
  try {
    await until("the first apply", () => h.fw.applied.length === 1);
    assert.match(h.fw.applied[0], /add table inet jaco\ndelete table inet jaco/);
    assert.deepEqual(audits(h.kit, reconciled).map((p) => p.action), ["applied"]);
    await allocate(h.kit, "web", "n1", 0);
    await allocate(h.kit, "api", "n2", 1);
    await until("the re-apply", () => h.fw.applied.at(-1)?.includes("10.244.1.0/24") ?? false);
    const last = h.fw.applied.at(-1)!;
    assert.match(last, /set dep_net_web__default \{[^}]*elements = \{ 10\.244\.0\.0\/24 \}/);
    assert.match(last, /ip saddr @jaco_pool ip daddr @jaco_pool drop/);
    const summaries = audits(h.kit, reconciled).map((p) => p.summary ?? "");
    assert.ok(
      summaries.some((s) => s.includes("missing:set:dep_net_api__default")),
      summaries.join("\n"),
    );
    assert.equal(status(h.kit)?.status, NodeStatus.NODE_STATUS_READY);
  } finally {
    await h.stop();
  }
});

Deno.test("firewall loop: a hand-deleted rule and a flushed table are drift and get repaired; no drift, no apply", async () => {
  const h = await harness({ tickMs: 30 });
  try {
    await allocate(h.kit, "web", "n1", 0);
    await until("the scope applied", () => h.fw.applied.at(-1)?.includes("dep_net_web") ?? false);
    const applies = h.fw.applied.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(h.fw.applied.length, applies, "ticks without drift apply nothing");

    const doc = h.fw.document as { nftables: Record<string, unknown>[] };
    const accept = doc.nftables.findIndex((entry) =>
      JSON.stringify(entry).includes('"rule"') && JSON.stringify(entry).includes("@dep_net_web")
    );
    assert.ok(accept >= 0);
    doc.nftables.splice(accept, 1);
    await until("the rule repaired", () => h.fw.applied.length === applies + 1);
    assert.ok(
      audits(h.kit, reconciled).some((p) => p.summary?.includes("missing:rule:forward:")),
    );

    h.fw.document = {
      nftables: (h.fw.document as { nftables: Record<string, unknown>[] }).nftables.filter(
        (entry) => !("rule" in entry),
      ),
    };
    await until("the flush repaired", () => h.fw.applied.length === applies + 2);
    assert.equal(status(h.kit)?.status, NodeStatus.NODE_STATUS_READY);
  } finally {
    await h.stop();
  }
});

Deno.test("firewall loop: a ruleset change reported by the watcher is repaired at once (no 30 s wait); a degraded node ignores it", async () => {
  const h = await harness();
  try {
    await allocate(h.kit, "web", "n1", 0);
    await until("the scope applied", () => h.fw.applied.at(-1)?.includes("dep_net_web") ?? false);
    const applies = h.fw.applied.length;
    h.fw.tamper((doc) => {
      doc.nftables = doc.nftables.filter((entry) => !("rule" in entry));
    });
    await until("the flush repaired", () => h.fw.applied.length === applies + 1);
    assert.ok(audits(h.kit, reconciled).some((p) => p.summary?.includes("missing:rule:forward:")));

    h.fw.failApply = "nft: Operation not permitted";
    h.fw.tamper((doc) => {
      doc.nftables = doc.nftables.filter((entry) => !("rule" in entry));
    });
    await until(
      "unavailable",
      () => status(h.kit)?.status === NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE,
    );
    const failedLogs = () => h.kit.logs.filter((l) => l.includes("drift detected")).length;
    await new Promise((resolve) => setTimeout(resolve, 100)); // the status event's own tick
    const before = failedLogs();
    h.fw.tamper(() => {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(failedLogs(), before, "no retry on ruleset events while degraded");
  } finally {
    await h.stop();
  }
});

Deno.test("firewall loop: nft missing fails closed (isolation_unavailable, audited), nft back recovers to ready", async () => {
  const fw = new MemoryFirewall();
  fw.nftPresent = false;
  const h = await harness({ backend: fw, tickMs: 30, details: { drain: "" } });
  try {
    await until(
      "unavailable",
      () => status(h.kit)?.status === NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE,
    );
    assert.equal(status(h.kit)?.statusDetails.reason, nftMissingReason);
    assert.equal(status(h.kit)?.statusDetails.drain, "", "other details kept");
    assert.deepEqual(audits(h.kit, unavailable), [{ hostname: "n1" }]);
    assert.deepEqual(fw.applied, []);
    assert.ok(h.kit.logs.includes("error apply ruleset failed"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(audits(h.kit, unavailable).length, 1, "no rewrite while nothing changes");

    fw.nftPresent = true;
    await until("ready", () => status(h.kit)?.status === NodeStatus.NODE_STATUS_READY);
    assert.equal(status(h.kit)?.statusDetails.reason, "isolation_reload_recovered");
    assert.deepEqual(audits(h.kit, reconciled).map((p) => p.action), ["applied", "recovered"]);
  } finally {
    await h.stop();
  }
});

Deno.test("firewall loop: a failing apply marks the node unavailable with nft's error; a later success recovers it", async () => {
  const fw = new MemoryFirewall();
  fw.failApply = "Error: Could not process rule: Operation not permitted";
  const h = await harness({ backend: fw, tickMs: 30 });
  try {
    await until(
      "unavailable",
      () => status(h.kit)?.status === NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE,
    );
    assert.equal(status(h.kit)?.statusDetails.reason, fw.failApply);
    assert.deepEqual(audits(h.kit, reconciled), []);
    fw.failApply = undefined;
    await until("ready", () => status(h.kit)?.status === NodeStatus.NODE_STATUS_READY);
    assert.equal(status(h.kit)?.statusDetails.reason, "isolation_reload_recovered");
  } finally {
    await h.stop();
  }
});

Deno.test("firewall loop: an apply that does not stick fails the self-test", async () => {
  const fw = new MemoryFirewall();
  const apply = fw.apply.bind(fw);
  fw.apply = async (ruleset) => {
    await apply(ruleset);
    fw.document = { nftables: [] };
  };
  const h = await harness({ backend: fw });
  try {
    await until(
      "unavailable",
      () => status(h.kit)?.status === NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE,
    );
    assert.match(status(h.kit)?.statusDetails.reason ?? "", /^isolation_self_test_failed: /);
  } finally {
    await h.stop();
  }
});

Deno.test("firewall loop: a subnet committed while the ruleset is applied does not fail the self-test; the next tick adds it", async () => {
  const fw = new MemoryFirewall();
  const apply = fw.apply.bind(fw);
  const ref: { kit?: NetKit } = {};
  let raced = false;
  fw.apply = async (ruleset) => {
    await apply(ruleset);
    if (ref.kit && !raced) {
      raced = true;
      await allocate(ref.kit, "late", "n1", 9);
    }
  };
  const h = await harness({ backend: fw });
  ref.kit = h.kit;
  try {
    await allocate(h.kit, "web", "n1", 0);
    await until(
      "the late subnet applied",
      () => h.fw.applied.at(-1)?.includes("10.244.9.0/24") ?? false,
    );
    assert.ok(raced);
    assert.equal(status(h.kit)?.status, NodeStatus.NODE_STATUS_READY);
    assert.deepEqual(audits(h.kit, unavailable), []);
  } finally {
    await h.stop();
  }
});

Deno.test("firewall loop: a joining node becomes ready through its first clean self-test", async () => {
  const h = await harness({ status: NodeStatus.NODE_STATUS_JOINING });
  try {
    await until("ready", () => status(h.kit)?.status === NodeStatus.NODE_STATUS_READY);
    assert.equal(status(h.kit)?.statusDetails.reason, "isolation_ready");
  } finally {
    await h.stop();
  }
});

class TouchedFirewall extends MemoryFirewall {
  calls = 0;
  override available() {
    this.calls++;
    return super.available();
  }
  override list() {
    this.calls++;
    return super.list();
  }
  override exempt() {
    this.calls++;
    return super.exempt();
  }
}

Deno.test("firewall loop: no leader skips the tick; without Docker the host is never touched and a joiner is made ready (no_container_runtime)", async () => {
  const idleFw = new TouchedFirewall();
  const idle = await harness({
    backend: idleFw,
    enabled: () => Promise.resolve(false),
    status: NodeStatus.NODE_STATUS_JOINING,
    tickMs: 20,
  });
  const fw = new MemoryFirewall();
  fw.nftPresent = false;
  const leaderless = await harness({ backend: fw, tickMs: 20, leader: "" });
  try {
    await until(
      "the joiner ready",
      () => status(idle.kit)?.status === NodeStatus.NODE_STATUS_READY,
    );
    assert.equal(status(idle.kit)?.statusDetails.reason, noRuntimeReason);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(idleFw.calls, 0, "netfilter never touched without Docker");
    assert.equal(idle.kit.logs.filter((l) => l.startsWith("info firewall loop idle")).length, 1);
    await idle.kit.apply({
      $case: "nodeStatusUpdate",
      value: { hostname: "n1", status: NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE } as never,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(
      status(idle.kit)?.status,
      NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE,
      "only a joiner is promoted without a runtime",
    );

    assert.equal(status(leaderless.kit)?.status, NodeStatus.NODE_STATUS_READY);
    leaderless.leader.value = "n1";
    await until(
      "the tick once a leader is known",
      () => status(leaderless.kit)?.status === NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE,
    );
  } finally {
    await idle.stop();
    await leaderless.stop();
  }
});

Deno.test("firewall loop: exemption failures are audited once per distinct error and leave the status alone", async () => {
  const fw = new MemoryFirewall();
  let error = "iptables: No chain/target/match by that name.";
  fw.exempt = () => Promise.resolve([{ code: "OVERLAY_EXEMPT_FAILED" as const, error }]);
  const h = await harness({ backend: fw, tickMs: 20 });
  try {
    await until(
      "the audit",
      () => audits(h.kit, reconciled).some((p) => p.action === "exempt_failed"),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const failed = () => audits(h.kit, reconciled).filter((p) => p.action === "exempt_failed");
    assert.deepEqual(failed(), [{ action: "exempt_failed", code: "OVERLAY_EXEMPT_FAILED", error }]);
    error = "iptables: permission denied";
    await until("the new error audited", () => failed().length === 2);
    assert.equal(status(h.kit)?.status, NodeStatus.NODE_STATUS_READY);
  } finally {
    await h.stop();
  }
});
