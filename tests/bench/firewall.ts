/**
 * `deno task bench firewall [--subnets=256] [--rounds=20]`: what one firewall tick costs
 * (daemon/network/firewall_loop.ts) at a full `ipam_pool` (256 /24s by default, as scopes of two
 * hosts each):
 *
 * 1. the pure part — render the ruleset, build the expected model, normalize nft's JSON listing
 *    and diff — per tick, median of `--rounds`;
 * 2. the host part with the real `nft` in a private network namespace (`unshare -n`, so this
 *    machine's own ruleset is never touched): one `nft -f` atomic replacement of the whole table,
 *    and one `nft -j list table inet jaco` (the listing every tick reads), median of `--rounds`.
 *
 * Drift repair latency on a real host (a hand-deleted rule, a flushed table) is printed by
 * tests/rig_net_isolation_test.ts.
 *
 * Prints `name value unit` lines. A bench, not a test: it prints, it asserts no goal.
 *
 * @module
 */
import {
  diffModels,
  expectedModel,
  parseListing,
  renderRuleset,
  type RulesetSubnet,
} from "../../net/nft_ruleset.ts";
import { figure, option } from "./_figures.ts";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function shell(script: string, file: string): Promise<string> {
  const out = await new Deno.Command("unshare", {
    args: ["-n", "sh", "-c", script, "sh", file],
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  if (out.code !== 0) throw new Error(`unshare: ${text.decode(out.stderr)}`);
  return text.decode(out.stdout);
}

/** Runs the benchmark. */
export async function run(args: string[]): Promise<void> {
  const count = option(args, "subnets", 256);
  const rounds = option(args, "rounds", 20);
  const subnets: RulesetSubnet[] = [];
  for (let i = 0; i < count; i++) {
    subnets.push({
      deployment: `dep${Math.floor(i / 2)}`,
      network: "_default",
      cidr: `10.${244 + Math.floor(i / 256)}.${i % 256}.0/24`,
    });
  }
  const ruleset = renderRuleset(subnets);
  const dir = await Deno.makeTempDir({ prefix: "jaco-bench-fw-" });
  try {
    const file = `${dir}/ruleset.nft`;
    await Deno.writeTextFile(file, ruleset, { mode: 0o600 });
    // One listing of the real table, for the pure part to parse.
    const listing = JSON.parse(
      await shell('nft -f "$1" && nft -j list table inet jaco', file),
    );

    const pure: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const start = performance.now();
      renderRuleset(subnets);
      const items = diffModels(expectedModel(subnets), parseListing(listing));
      pure.push(performance.now() - start);
      if (items.length > 0) throw new Error(`unexpected drift: ${items.slice(0, 3).join(",")}`);
    }

    // In one namespace: time `nft -f` (table already there, as on every repair) and the list.
    const script = `nft -f "$1" || exit 1
for i in $(seq ${rounds}); do
  a=$(date +%s%N); nft -f "$1" || exit 1; b=$(date +%s%N)
  nft -j list table inet jaco >/dev/null || exit 1; c=$(date +%s%N)
  echo "$((b - a)) $((c - b))"
done`;
    const lines = (await shell(script, file)).trim().split("\n").map((line) =>
      line.split(" ").map((ns) => Number(ns) / 1e6)
    );
    figure("firewall_subnets", count, "subnets");
    figure("firewall_scopes", Math.ceil(count / 2), "sets");
    figure("firewall_ruleset_size", ruleset.length / 1024, "KiB");
    figure("firewall_tick_pure_p50", median(pure), "ms");
    figure("firewall_nft_apply_p50", median(lines.map((l) => l[0])), "ms");
    figure("firewall_nft_list_p50", median(lines.map((l) => l[1])), "ms");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
