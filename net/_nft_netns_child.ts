/**
 * Child of net/nft_apply_test.ts, run as `unshare -n deno run -A net/_nft_netns_child.ts`: drives
 * the real {@link NftFirewall} in a private network namespace (so the machine's own ruleset is
 * never touched) and prints one JSON report of what it saw.
 *
 * @module
 */
import { NftFirewall } from "./nft_apply.ts";
import { diffModels, expectedModel, parseListing, renderRuleset } from "./nft_ruleset.ts";

const subnets = [
  { deployment: "web", network: "_default", cidr: "10.244.0.0/24" },
  { deployment: "api", network: "_default", cidr: "10.244.1.0/24" },
];
const fw = new NftFirewall();
const report: Record<string, unknown> = {};
const drift = async () => diffModels(expectedModel(subnets), parseListing(await fw.list()));

async function nft(...args: string[]): Promise<void> {
  const out = await new Deno.Command("nft", { args, stdin: "null" }).output();
  if (out.code !== 0) {
    throw new Error(`nft ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

report.available = await fw.available();
report.coldDrift = await drift();
await fw.apply(renderRuleset(subnets));
report.appliedDrift = await drift();
await fw.apply(renderRuleset(subnets));
report.reappliedDrift = await drift();

const watch = new AbortController();
let changes = 0;
const watching = fw.watch(() => changes++, watch.signal);
await settle();
const listing = await fw.list() as {
  nftables: Record<string, { handle?: number; expr?: unknown }>[];
};
const drop = listing.nftables.find((entry) =>
  entry.rule && JSON.stringify(entry.rule.expr).includes('"drop"')
)?.rule;
await nft("delete", "rule", "inet", "jaco", "forward", "handle", String(drop?.handle));
await settle();
report.changesAfterDelete = changes;
report.deleteDrift = await drift();
await nft("flush", "table", "inet", "jaco");
await settle();
report.changesAfterFlush = changes;
report.flushDrift = (await drift()).length > 0;
watch.abort();
await watching;

try {
  await fw.apply("table inet jaco { chain forward { type filter hook nonsense priority 0; } }");
  report.badApply = "accepted";
} catch (error) {
  report.badApply = (error as Error).message;
}
report.exempt = await fw.exempt("10.244.0.0/16");
await fw.exempt("10.244.0.0/16");
for (const [table, chain] of [["nat", "POSTROUTING"], ["raw", "PREROUTING"]]) {
  const out = await new Deno.Command("iptables", { args: ["-t", table, "-S", chain] }).output();
  report[`${table}_${chain}`] = new TextDecoder().decode(out.stdout).trim().split("\n");
}
console.log(JSON.stringify(report));
