/**
 * `deno task bench raft`: JACO's raft (RaftDriver + SQLite + mutual TLS, 3
 * processes) against a 3-member etcd, measured by the same client code:
 * commits/s and p50/p99 commit latency with 1 and 64 concurrent keep-alive
 * HTTP clients writing to the leader, then leader failover time (SIGKILL the
 * leader; time until the next write commits on a survivor) over 5 rounds.
 *
 * Options: `--duration-s=<n>` per load phase (default 10), `--rounds=<n>`
 * failover rounds (default 5), `--only=raft|etcd`.
 * The last two lines are `ratio raft_vs_etcd_throughput_64=<x>` and
 * `failover_p99_ms=<y>` (JACO's).
 *
 * @module
 */
import { type BenchCluster, startEtcdCluster, startRaftCluster } from "./_cluster.ts";

interface LoadResult {
  commitsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

interface SystemResult {
  name: string;
  load: Map<number, LoadResult>;
  failoverMs: number[];
}

const VALUE = "v".repeat(100);

/** Nearest-rank percentile of `values` (p in [0, 100]). */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function load(
  cluster: BenchCluster,
  clients: number,
  durationMs: number,
): Promise<LoadResult> {
  const url = await cluster.leaderUrl();
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + durationMs;
  const worker = async (w: number) => {
    for (let i = 0; performance.now() < end; i++) {
      const started = performance.now();
      const ok = await cluster.put(url, `k${w}-${i % 64}`, VALUE).catch(() => false);
      if (ok) latencies.push(performance.now() - started);
      else errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, (_, w) => worker(w)));
  const elapsedS = (performance.now() - started) / 1000;
  return {
    commitsPerSec: latencies.length / elapsedS,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
  };
}

/**
 * SIGKILLs the leader, then every 50 ms sends one write to each survivor
 * (each with a 5 s timeout); the failover time is when the first one commits.
 * Probing in parallel keeps a write that hangs on a leaderless member (etcd
 * holds those) from delaying the measurement.
 */
async function failoverOnce(cluster: BenchCluster): Promise<number> {
  const leaderUrl = await cluster.leaderUrl();
  const leaderId = [...cluster.urls].find(([, u]) => u === leaderUrl)![0];
  const survivors = [...cluster.urls].filter(([id]) => id !== leaderId).map(([, u]) => u);
  const stop = new AbortController();
  const killedAt = performance.now();
  await cluster.kill(leaderId);
  let elapsedMs = NaN;
  const probes: Promise<void>[] = [];
  for (
    let attempt = 0;
    Number.isNaN(elapsedMs) && performance.now() - killedAt < 30_000;
    attempt++
  ) {
    for (const url of survivors) {
      const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(5000)]);
      probes.push(
        cluster.put(url, "failover", String(attempt), signal).then((ok) => {
          if (ok && Number.isNaN(elapsedMs)) elapsedMs = performance.now() - killedAt;
        }, () => {}),
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  stop.abort();
  await Promise.all(probes);
  await cluster.restart(leaderId);
  await cluster.healthy(leaderId);
  // Let the restarted member settle so the next round starts from a steady cluster.
  await new Promise((r) => setTimeout(r, 1000));
  return elapsedMs;
}

async function measure(
  start: (root: string) => Promise<BenchCluster>,
  options: { durationMs: number; rounds: number },
): Promise<SystemResult> {
  const root = await Deno.makeTempDir({ prefix: "jaco-bench-raft-" });
  const cluster = await start(root);
  try {
    await load(cluster, 8, 1000); // warm-up: connections, JIT, first snapshots of state
    const result: SystemResult = { name: cluster.name, load: new Map(), failoverMs: [] };
    for (const clients of [1, 64]) {
      result.load.set(clients, await load(cluster, clients, options.durationMs));
    }
    for (let round = 0; round < options.rounds; round++) {
      result.failoverMs.push(await failoverOnce(cluster));
    }
    return result;
  } finally {
    await cluster.stop();
    await Deno.remove(root, { recursive: true });
  }
}

function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "n/a";
}

function printTable(results: SystemResult[]): void {
  const header = ["system", "clients", "commits/s", "p50 ms", "p99 ms", "errors"];
  const rows: string[][] = [];
  for (const r of results) {
    for (const [clients, l] of r.load) {
      rows.push([
        r.name,
        String(clients),
        fmt(l.commitsPerSec, 0),
        fmt(l.p50Ms, 2),
        fmt(l.p99Ms, 2),
        String(l.errors),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  for (const r of results) {
    console.log(
      `${r.name} failover ms: ${r.failoverMs.map((ms) => fmt(ms, 0)).join(", ")}` +
        ` (p50 ${fmt(percentile(r.failoverMs, 50), 0)}, p99 ${
          fmt(percentile(r.failoverMs, 99), 0)
        })`,
    );
  }
}

/** Runs the benchmark (see module doc). */
export async function run(args: string[]): Promise<void> {
  const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const options = {
    durationMs: Number(opt("duration-s") ?? 10) * 1000,
    rounds: Number(opt("rounds") ?? 5),
  };
  const only = opt("only");
  const results: SystemResult[] = [];
  if (only !== "etcd") results.push(await measure(startRaftCluster, options));
  if (only !== "raft") results.push(await measure(startEtcdCluster, options));
  printTable(results);
  const ours = results.find((r) => r.name === "jaco-raft");
  const etcd = results.find((r) => r.name === "etcd");
  const ratio = (ours?.load.get(64)?.commitsPerSec ?? NaN) /
    (etcd?.load.get(64)?.commitsPerSec ?? NaN);
  console.log(`ratio raft_vs_etcd_throughput_64=${fmt(ratio, 2)}`);
  console.log(`failover_p99_ms=${fmt(percentile(ours?.failoverMs ?? [], 99), 0)}`);
}

if (import.meta.main) await run(Deno.args);
