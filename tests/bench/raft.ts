/**
 * `deno task bench raft`: JACO's raft (RaftDriver + SQLite + mutual TLS, 3
 * processes) against a 3-member etcd, measured by the same client code:
 * commits/s and p50/p99 commit latency with 1 and 64 concurrent keep-alive
 * HTTP clients writing to the leader, then leader failover time (SIGKILL the
 * leader; time until the next write commits on a survivor) over 5 rounds.
 * Both clusters run side by side and the phases alternate between them in
 * slices, so a busy shared machine skews neither side.
 *
 * Options: `--duration-s=<n>` per load phase (default 10), `--rounds=<n>`
 * failover rounds (default 5), `--only=raft|etcd`. `JACO_BENCH_STDERR=1` shows
 * the members' own logs.
 * The last two lines are `ratio raft_vs_etcd_throughput_64=<x>` and
 * `failover_p99_ms=<y>` (JACO's).
 *
 * @module
 */
import { type BenchCluster, startEtcdCluster, startRaftCluster } from "./_cluster.ts";

/** Raw outcome of one load slice; slices of one system add up. */
interface LoadSample {
  latencies: number[];
  elapsedMs: number;
  errors: number;
}

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
): Promise<LoadSample> {
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
  return { latencies, elapsedMs: performance.now() - started, errors };
}

function summarize(samples: LoadSample[]): LoadResult {
  const latencies = samples.flatMap((s) => s.latencies);
  const elapsedS = samples.reduce((sum, s) => sum + s.elapsedMs, 0) / 1000;
  return {
    commitsPerSec: latencies.length / elapsedS,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
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
        }, () => undefined), // a failed or aborted probe just means "not yet"
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

/**
 * Runs every phase on all clusters, interleaved: each load phase is cut into
 * `SLICES` slices that alternate between the systems (and so do failover
 * rounds), so background load on a shared machine hits both alike.
 */
async function measure(
  clusters: BenchCluster[],
  options: { durationMs: number; rounds: number },
): Promise<SystemResult[]> {
  const SLICES = 4;
  for (const cluster of clusters) await load(cluster, 8, 1000); // warm-up: connections, JIT
  const results = clusters.map((c) => ({
    name: c.name,
    load: new Map(),
    failoverMs: [] as number[],
  }));
  for (const clients of [1, 64]) {
    const samples = clusters.map(() => [] as LoadSample[]);
    for (let slice = 0; slice < SLICES; slice++) {
      for (let k = 0; k < clusters.length; k++) {
        const i = (slice + k) % clusters.length;
        samples[i].push(await load(clusters[i], clients, options.durationMs / SLICES));
      }
    }
    clusters.forEach((_, i) => results[i].load.set(clients, summarize(samples[i])));
  }
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < clusters.length; k++) {
      const i = (round + k) % clusters.length;
      results[i].failoverMs.push(await failoverOnce(clusters[i]));
    }
  }
  return results;
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
  const root = await Deno.makeTempDir({ prefix: "jaco-bench-raft-" });
  const clusters: BenchCluster[] = [];
  let results: SystemResult[];
  try {
    if (only !== "etcd") clusters.push(await startRaftCluster(`${root}/raft`));
    if (only !== "raft") clusters.push(await startEtcdCluster(`${root}/etcd`));
    results = await measure(clusters, options);
  } finally {
    for (const cluster of clusters) await cluster.stop();
    await Deno.remove(root, { recursive: true });
  }
  printTable(results);
  const ours = results.find((r) => r.name === "jaco-raft");
  const etcd = results.find((r) => r.name === "etcd");
  const ratio = (ours?.load.get(64)?.commitsPerSec ?? NaN) /
    (etcd?.load.get(64)?.commitsPerSec ?? NaN);
  console.log(`ratio raft_vs_etcd_throughput_64=${fmt(ratio, 2)}`);
  console.log(`failover_p99_ms=${fmt(percentile(ours?.failoverMs ?? [], 99), 0)}`);
}

if (import.meta.main) await run(Deno.args);
