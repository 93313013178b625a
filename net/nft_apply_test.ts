import assert from "node:assert/strict";
import { MonitorBatch } from "./nft_apply.ts";

const feed = (lines: string[]) => {
  const batch = new MonitorBatch();
  return lines.map((line) => batch.line(line)).filter(Boolean).length;
};

Deno.test("MonitorBatch: nft monitor transactions that may concern the firewall (flush counts, jaco_nat-only does not)", () => {
  assert.equal(
    feed(["delete rule inet jaco forward handle 7", "# new generation 3 by process 1 (nft)"]),
    1,
  );
  assert.equal(
    feed(["# new generation 4 by process 2 (nft)"]),
    1,
    "flush table prints nothing else",
  );
  assert.equal(
    feed([
      "delete table ip jaco_nat",
      "add table ip jaco_nat",
      "add chain ip jaco_nat pre { type nat hook prerouting priority dstnat; policy accept; }",
      "add rule ip jaco_nat pre tcp dport 8080 dnat to 10.244.0.2:80",
      "# new generation 5 by process 3 (nft)",
    ]),
    0,
  );
  assert.equal(
    feed([
      "add rule ip jaco_nat pre tcp dport 8080 dnat to 10.244.0.2:80",
      "add rule ip filter DOCKER-USER counter accept",
      "# new generation 6 by process 4 (iptables-nft)",
      "add table ip jaco_nat",
      "# new generation 7 by process 5 (nft)",
      "W: Received event for an unknown set.",
      "# new generation 8 by process 6 (nft)",
    ]),
    2,
  );
});

/** Root and a usable `unshare -n` + `nft` (the real backend runs in a private namespace). */
async function netnsSupport(): Promise<string | undefined> {
  if (Deno.uid?.() !== 0) return "not root";
  try {
    const out = await new Deno.Command("unshare", { args: ["-n", "nft", "--version"] }).output();
    return out.code === 0 ? undefined : "unshare -n nft --version failed";
  } catch (error) {
    return (error as Error).message;
  }
}
const netnsSkip = await netnsSupport();
if (netnsSkip) console.log(`NftFirewall netns test skipped: ${netnsSkip}`);

Deno.test({
  name:
    "NftFirewall (real nft/iptables in a private netns): apply → no drift, idempotent re-apply, watch sees a deleted rule and a flush, nft errors surface, exemptions on top once",
  ignore: netnsSkip !== undefined,
  async fn() {
    const child = new URL("./_nft_netns_child.ts", import.meta.url).pathname;
    const out = await new Deno.Command("unshare", {
      args: ["-n", Deno.execPath(), "run", "-A", child],
      stdin: "null",
    }).output();
    const decoder = new TextDecoder();
    assert.equal(out.code, 0, decoder.decode(out.stderr));
    const report = JSON.parse(decoder.decode(out.stdout));
    assert.equal(report.available, true);
    assert.ok(report.coldDrift.includes("missing:set:jaco_pool"), report.coldDrift);
    assert.deepEqual(report.appliedDrift, []);
    assert.deepEqual(report.reappliedDrift, [], "add+delete table: no stacked generations");
    assert.ok(report.changesAfterDelete >= 1, "watch reports a deleted rule");
    assert.deepEqual(report.deleteDrift, [
      "missing:rule:forward:ip saddr @jaco_pool ip daddr @jaco_pool drop",
    ]);
    assert.ok(report.changesAfterFlush > report.changesAfterDelete, "watch reports a flush");
    assert.equal(report.flushDrift, true);
    assert.match(report.badApply, /^nft -f failed \(exit 1\): .*unknown chain hook/s);
    assert.deepEqual(report.nat_POSTROUTING, [
      "-P POSTROUTING ACCEPT",
      "-A POSTROUTING -s 10.244.0.0/16 -d 10.244.0.0/16 -j RETURN",
    ]);
    assert.deepEqual(report.raw_PREROUTING, [
      "-P PREROUTING ACCEPT",
      "-A PREROUTING -s 10.244.0.0/16 -d 10.244.0.0/16 -j ACCEPT",
      "-A PREROUTING -s 10.99.0.0/24 -d 10.244.0.0/16 -j ACCEPT",
    ]);
    assert.deepEqual(
      report.exempt.map((failure: { code: string }) => failure.code),
      ["OVERLAY_EXEMPT_FAILED"],
      "no DOCKER-USER chain without dockerd",
    );
  },
});
