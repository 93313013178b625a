/**
 * `deno task bench scheduler [replicas] [nodes]`: plans a fresh placement of `replicas`
 * (default 10 000, as 100 spread services) over `nodes` (default 100) simulated ready nodes with
 * the pure planner, and prints `scheduler placements_per_s=<x>` (goal ≥ 10 000/s) plus the pass
 * time. One warm-up pass (compose parse, JIT) is not counted.
 *
 * @module
 */
import { Command, NodeStatus } from "../../proto/mod.ts";
import { plan } from "../../scheduler/mod.ts";
import { ClusterState } from "../../state/mod.ts";

/** Runs the benchmark. */
export function run(args: string[]): Promise<void> {
  const replicas = Number(args[0] ?? 10_000);
  const nodeCount = Number(args[1] ?? 100);
  const services = 100;
  const state = new ClusterState();
  let index = 0;
  const apply = (payload: Command["payload"]) =>
    state.apply(
      Command.encode(Command.fromPartial({ clusterId: "c", ts: new Date(), payload })).finish(),
      ++index,
    );
  const live = new Set<string>();
  for (let n = 0; n < nodeCount; n++) {
    const hostname = `node-${String(n).padStart(3, "0")}`;
    apply({ $case: "nodeJoin", value: { hostname, address: `${hostname}:7001` } as never });
    apply({
      $case: "nodeStatusUpdate",
      value: { hostname, status: NodeStatus.NODE_STATUS_READY } as never,
    });
    live.add(hostname);
  }
  const names = Array.from({ length: services }, (_, i) => `svc${i}`);
  apply({
    $case: "deploymentApply",
    value: {
      deployment: "bench",
      revision: 1,
      composeYaml: new TextEncoder().encode(
        "services:\n" + names.map((name) => `  ${name}:\n    image: img:1\n`).join(""),
      ),
      services: names.map((name) => ({ name, replicas: Math.ceil(replicas / services) })),
    } as never,
  });
  const view = state.view();
  plan({ view, now: new Date(), liveHosts: live });
  const start = performance.now();
  const result = plan({ view, now: new Date(), liveHosts: live });
  const elapsedMs = performance.now() - start;
  const placed = result.commands.filter((c) => c.$case === "replicaDesiredUpsert").length;
  console.log(`scheduler replicas=${placed} nodes=${nodeCount} pass_ms=${elapsedMs.toFixed(1)}`);
  console.log(`scheduler placements_per_s=${Math.round(placed / (elapsedMs / 1000))}`);
  return Promise.resolve();
}
