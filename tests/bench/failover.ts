/**
 * `deno task bench failover [--rounds N]`: leader failover of real `jacod` processes. Forms a
 * three-node cluster once (init + two joins over the real CLI), then repeats N times (default
 * 10): SIGKILL the current leader → poll `jaco token issue` through a survivor's socket every
 * 50 ms until it succeeds → restart the killed jacod from its data dir and wait until it lists
 * the token written while it was down.
 *
 * The figure is kill → first successful write as the operator sees it, so it includes each
 * attempt's CLI process start; `write_baseline_ms` (median of 5 writes on the healthy cluster)
 * is printed first so that share can be read off. Each round prints
 * `round=<i> killed=<node> new_leader=<node> failover_ms=<n> rejoin_ms=<n>`; the last two lines
 * are `failover_p50_ms=<x>` and `failover_p99_ms=<y>` (nearest rank). `JACO_BENCH_LOGS=1`
 * prints the daemons' logs at the end.
 *
 * @module
 */
import {
  type ClusterMember,
  clusterStatus,
  formCluster,
  jaco,
  killMember,
  pollUntil,
  restartMember,
  stopDaemon,
  tokenIdentities,
} from "../_daemon.ts";

/** Nearest-rank percentile of `values` (p in [0, 100]). */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** `--rounds N` or `--rounds=N`; default 10. */
function roundsOf(args: string[]): number {
  const at = args.findIndex((arg) => arg === "--rounds" || arg.startsWith("--rounds="));
  if (at < 0) return 10;
  const raw = args[at].includes("=") ? args[at].split("=")[1] : args[at + 1];
  const rounds = Number(raw);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new Error(`--rounds must be a positive integer, got ${raw}`);
  }
  return rounds;
}

async function issue(socket: string, identity: string): Promise<boolean> {
  const issued = await jaco(["token", "issue", identity, "--socket", socket]);
  return issued.code === 0;
}

async function leaderOf(members: ClusterMember[]): Promise<ClusterMember> {
  return await pollUntil("an elected leader", async () => {
    const status = await clusterStatus(members[0].setup.socket);
    return members.find((member) => member.name === status.leader);
  }, { timeoutMs: 30_000, pollMs: 100 });
}

async function round(members: ClusterMember[], index: number): Promise<number> {
  const leader = await leaderOf(members);
  const survivor = members.find((member) => member !== leader)!;
  const identity = `failover-${index}`;
  const killedAt = performance.now();
  await killMember(leader);
  await pollUntil(
    "a write through a survivor",
    async () => (await issue(survivor.setup.socket, identity)) || undefined,
    { timeoutMs: 60_000, pollMs: 50 },
  );
  const failoverMs = Math.round(performance.now() - killedAt);
  const newLeader = (await clusterStatus(survivor.setup.socket)).leader;
  const restartedAt = performance.now();
  await restartMember(leader);
  await pollUntil("the restarted node catching up", async () => {
    const status = await clusterStatus(leader.setup.socket);
    const identities = await tokenIdentities(leader.setup.socket);
    return (status.initialized && status.nodes.length === members.length &&
      identities.includes(identity)) || undefined;
  }, { timeoutMs: 60_000, pollMs: 100 });
  const rejoinMs = Math.round(performance.now() - restartedAt);
  console.log(
    `round=${index} killed=${leader.name} new_leader=${newLeader} failover_ms=${failoverMs} rejoin_ms=${rejoinMs}`,
  );
  return failoverMs;
}

/** Runs the benchmark (see module doc). */
export async function run(args: string[]): Promise<void> {
  const rounds = roundsOf(args);
  const members: ClusterMember[] = [];
  const failovers: number[] = [];
  try {
    await formCluster(["node-1", "node-2", "node-3"], "jaco-bench-failover-", members);
    const baseline: number[] = [];
    for (let i = 0; i < 5; i++) {
      const startedAt = performance.now();
      if (!(await issue(members[0].setup.socket, `baseline-${i}`))) {
        throw new Error("a write on the healthy cluster failed");
      }
      baseline.push(performance.now() - startedAt);
    }
    console.log(`write_baseline_ms=${Math.round(percentile(baseline, 50))}`);
    for (let index = 1; index <= rounds; index++) failovers.push(await round(members, index));
  } finally {
    const logs = await Promise.all(members.map((member) => stopDaemon(member.daemon, "SIGTERM")));
    if (Deno.env.get("JACO_BENCH_LOGS")) console.error(logs.join("\n----\n"));
    await Promise.all(members.map((member) => Deno.remove(member.setup.dir, { recursive: true })));
  }
  console.log(`failover_p50_ms=${percentile(failovers, 50)}`);
  console.log(`failover_p99_ms=${percentile(failovers, 99)}`);
}

if (import.meta.main) await run(Deno.args);
