/**
 * One seeded, randomized key-value run on the simulated raft cluster, Jepsen
 * style: clients issue put/get/cas on a few keys through whichever node they
 * think leads while a nemesis injects faults; then everything is healed, the
 * cluster quiesces, and the run is judged.
 *
 * Everything random derives from the seed, so a seed replays exactly.
 *
 * Per seed the run varies: 3 or 5 nodes, 2–6 clients, 2–4 keys, reads through
 * the log or through ReadIndex, client deadlines (0.2–2.5 s), snapshots every
 * 5–80 entries or never, core knobs (pre-vote, check-quorum, lease reads,
 * batching, pipelining, snapshot chunking), and (for some seeds) voters added
 * and removed mid-run.
 *
 * A run fails when any of these does not hold:
 * - the client history is linearizable (a checker `unknown` is reported apart
 *   and does not fail the seed);
 * - the harness's safety invariants (`checkSafety()`);
 * - after healing, every node's store converges to the same state;
 * - after healing, some operation invoked after the heal completes.
 *
 * @module
 */

import type { NodeId, RaftConfig } from "../types.ts";
import { KvClient } from "./_kv_client.ts";
import { KvCluster } from "./_kv_cluster.ts";
import { Nemesis } from "./_nemesis.ts";
import { checkLinearizable, type CheckResult, type HistoryOp } from "./linearizability.ts";
import { Rng } from "./rng.ts";

/** Durations of a run's phases, in virtual ms. */
export interface WorkloadTiming {
  /** Faults are injected during [warmupMs, warmupMs + chaosMs). */
  warmupMs: number;
  chaosMs: number;
  /** Clients keep going this long after the heal (the progress window). */
  recoveryMs: number;
  /** Upper bound for convergence once clients stopped. */
  quiesceMs: number;
}

/** Default phases: short enough that hundreds of seeds run in CI. */
export const defaultTiming: WorkloadTiming = {
  warmupMs: 500,
  chaosMs: 6_000,
  recoveryMs: 3_000,
  quiesceMs: 10_000,
};

/** The verdict and evidence of one seeded run. */
export interface RunResult {
  seed: number;
  ok: boolean;
  /** Why the seed failed (empty when ok). */
  failures: string[];
  /** The checker ran out of budget: neither proven nor refuted. */
  checkerUnknown: boolean;
  linearizability: CheckResult;
  history: HistoryOp[];
  /** What the nemesis did, with virtual timestamps. */
  nemesisLog: string[];
  nodes: number;
  completedOps: number;
  indeterminateOps: number;
  virtualMs: number;
}

/** Runs one seed end to end and judges it; never throws for a failing cluster. */
export function runSeed(seed: number, timing: WorkloadTiming = defaultTiming): RunResult {
  const rng = new Rng(seed).fork("workload");
  const random = () => rng.next();
  const nodeCount = random() < 0.5 ? 3 : 5;
  const nodes = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
  const spareNodes = random() < 0.4 ? ["n6", "n7"].slice(0, 1 + Math.floor(random() * 2)) : [];
  const history: HistoryOp[] = [];
  const nemesisLog: string[] = [];
  const failures: string[] = [];
  const readIndex = random() < 0.5;
  const config = randomConfig(random);
  // Lease reads need checkQuorum; only meaningful when reads use ReadIndex.
  if (readIndex && config.checkQuorum && random() < 0.5) config.leaseRead = true;
  const cluster = new KvCluster({ seed, nodes, config });
  const snapshotEvery = random() < 0.3 ? 0 : 5 + Math.floor(random() * 75);
  if (snapshotEvery > 0) cluster.raw.snapshotEvery(snapshotEvery);
  const keys = ["a", "b", "c", "d"].slice(0, 2 + Math.floor(random() * 3));
  // Short deadlines make clients give up often (indeterminate ops); long ones retry through faults.
  const opTimeoutMs = 200 + Math.floor(random() * 2_300);
  const clients = Array.from(
    { length: 2 + Math.floor(random() * 5) },
    (_, i) =>
      new KvClient({
        id: i + 1,
        cluster,
        random,
        keys,
        history,
        readIndex,
        attemptTimeoutMs: 150 + Math.floor(random() * 300),
        opTimeoutMs,
        backoffMs: 50,
        thinkMs: 30,
      }),
  );
  for (const client of clients) cluster.listen(client);
  const nemesis = new Nemesis({
    cluster,
    random,
    spareNodes,
    intervalMs: [100, 800],
    log: nemesisLog,
  });
  nemesisLog.push(
    `setup nodes=${nodeCount} clients=${clients.length} keys=${keys.length} ` +
      `snapshotEvery=${snapshotEvery} spare=${spareNodes.length} readIndex=${readIndex} ` +
      `opTimeoutMs=${opTimeoutMs} config=${JSON.stringify(config)}`,
  );

  let healMs = 0;
  try {
    for (const client of clients) client.start();
    cluster.schedule(timing.warmupMs, () => nemesis.start());
    cluster.raw.runFor(timing.warmupMs + timing.chaosMs);
    nemesis.stop();
    nemesis.healAll();
    healMs = cluster.now;
    cluster.raw.runFor(timing.recoveryMs);
    for (const client of clients) client.stop();
    // Let outstanding operations finish or time out before judging.
    cluster.raw.runFor(opTimeoutMs);
    for (const client of clients) client.abandon();
    const converged = cluster.raw.runUntil(
      () => convergedState(cluster) !== undefined,
      timing.quiesceMs,
    );
    if (!converged) failures.push(`stores did not converge: ${divergence(cluster)}`);
  } catch (error) {
    failures.push(`run threw: ${error instanceof Error ? error.stack ?? error.message : error}`);
  }

  for (const violation of cluster.raw.checkSafety()) failures.push(`safety: ${violation}`);
  const afterHeal = history.filter((op) => op.invokeMs >= healMs && Number.isFinite(op.completeMs));
  if (afterHeal.length === 0) {
    failures.push(`no progress: no operation completed after the heal at ${healMs}ms`);
  }
  const linearizability = checkLinearizable(history);
  if (linearizability.outcome === "violation") {
    failures.push(`not linearizable: ${linearizability.explanation}`);
  }
  const completedOps = history.filter((op) => Number.isFinite(op.completeMs)).length;
  return {
    seed,
    ok: failures.length === 0,
    failures,
    checkerUnknown: linearizability.outcome === "unknown",
    linearizability,
    history,
    nemesisLog,
    nodes: nodeCount,
    completedOps,
    indeterminateOps: history.length - completedOps,
    virtualMs: cluster.now,
  };
}

/**
 * Core knobs per seed: pre-vote and check-quorum mostly on (as deployed) but
 * sometimes off, and tight batching, pipelining and snapshot-chunk limits so
 * the multi-message paths run, not just the one-message fast path.
 */
function randomConfig(random: () => number): Partial<RaftConfig> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  return {
    preVote: random() < 0.8,
    checkQuorum: random() < 0.8,
    maxInflight: pick([1, 4, 256]),
    maxMessageBytes: pick([128, 4096, 1024 * 1024]),
    snapshotChunkBytes: pick([64, 1024, 512 * 1024]),
  };
}

/** The common store fingerprint when every member applied everything committed, else undefined. */
function convergedState(cluster: KvCluster): string | undefined {
  if (cluster.raw.leader() === undefined) return undefined;
  const members = cluster.configuredMembers();
  const prints = new Set(members.map((id) => cluster.fingerprint(id)));
  if (prints.size !== 1) return undefined;
  const commits = new Set(members.map((id) => cluster.raw.node(id).status().commit));
  const applied = new Set(members.map((id) => cluster.appliedIndex(id)));
  if (commits.size !== 1 || applied.size !== 1 || [...commits][0] !== [...applied][0]) {
    return undefined;
  }
  return [...prints][0];
}

function divergence(cluster: KvCluster): string {
  return cluster.members().map((id: NodeId) => {
    if (!cluster.raw.isUp(id)) return `${id}{down}`;
    const status = cluster.raw.node(id).status();
    return `${id}{role=${status.role} term=${status.term} commit=${status.commit} applied=${
      cluster.appliedIndex(id)
    }}`;
  }).join(" ");
}
