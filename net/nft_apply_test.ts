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
