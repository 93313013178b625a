/**
 * The leader's scheduler loop (scheduling.md §2): runs the pure planner (`scheduler/`) and
 * submits each pass's commands as ONE Batch with identity `scheduler`.
 *
 * Triggers: one pass at start; watch events on deployments, nodes, desired and observed
 * replicas restart a 50 ms debounce; a 30 s safety tick runs a pass unconditionally; a 250 ms
 * liveness tick runs one when the set of live hosts changed, when the last plan asked to be
 * woken (restart backoff, rollout step timeout) or, at most once a second, when the last
 * submit failed. Passes never overlap (an event during a pass queues one more). A pass is a
 * no-op unless this member is the raft leader.
 *
 * Liveness is leader-local (no raft writes): a peer is live while the raft leader heard from it
 * within 5 s (`RaftDriver.status().lastContactMs`, 50 ms ticks, heartbeats every 100 ms); the
 * leader itself is always live. The tick only reads raft's in-memory status, so it is cheap at
 * 250 ms: a dead node's stateless replicas are re-pointed about 5–5.5 s after its last message
 * (goal: running elsewhere within 10 s, measured by tests/rig_deploy_failure_test.ts). A new
 * leader presumes every member live until it has led for 5 s.
 *
 * @module
 */
import { type RaftStatus, Role } from "../../raft/mod.ts";
import {
  liveHostsOf,
  plan,
  planBatch,
  type PlanLog,
  schedulerIdentity,
} from "../../scheduler/mod.ts";
import type { StoreName } from "../../state/mod.ts";
import type { MemberContext, MemberLoop } from "../node/member_loops.ts";
import { CoalescedPass } from "../node/coalesced_pass.ts";

/** Timing of the loop (defaults in the module doc). */
export interface SchedulerLoopOptions {
  /** Quiet time after a watch event before a pass. */
  debounceMs?: number;
  /** Unconditional pass interval. */
  safetyTickMs?: number;
  /** Liveness check interval. */
  livenessTickMs?: number;
  /** A peer silent this long is dead. */
  deadAfterMs?: number;
}

/** What the loop uses of the member (a narrowed {@link MemberContext}, so tests can stub raft). */
export type SchedulerContext =
  & Pick<MemberContext, "nodeName" | "state" | "submit" | "log" | "now" | "signal">
  & { raft: { status(): Pick<RaftStatus, "role" | "lastContactMs"> } };

const watched: StoreName[] = ["deployments", "nodes", "replicas_desired", "replicas_observed"];

/** Starts the loop; see the module doc. */
export function startSchedulerLoop(
  context: SchedulerContext,
  options: SchedulerLoopOptions = {},
): MemberLoop {
  const debounceMs = options.debounceMs ?? 50;
  const deadAfterMs = options.deadAfterMs ?? 5000;
  const stop = new AbortController();
  const signal = AbortSignal.any([context.signal, stop.signal]);
  let lastLive = "";
  let wakeAt: Date | undefined;
  /** When the last submit failed (0 = it did not). */
  let failedAt = 0;

  const runPass = async (): Promise<void> => {
    const status = context.raft.status();
    if (status.role !== Role.leader) {
      lastLive = "";
      wakeAt = undefined;
      return;
    }
    const liveHosts = liveHostsOf(context.nodeName, status.lastContactMs ?? {}, deadAfterMs);
    lastLive = [...liveHosts].sort().join(",");
    const result = plan({ view: context.state.view(), now: context.now(), liveHosts });
    wakeAt = result.wakeAt;
    for (const entry of result.logs) log(context, entry);
    if (result.commands.length === 0) return;
    context.log.info("applying reconcile batch", { commands: result.commands.length });
    try {
      await context.submit(planBatch(result), schedulerIdentity);
      failedAt = 0;
    } catch (error) {
      failedAt = context.now().getTime();
      context.log.warn("reconcile batch failed", { error: (error as Error).message });
    }
  };

  const runner = new CoalescedPass({
    pass: runPass,
    debounceMs: debounceMs,
    signal,
    onError: (error) => context.log.error("scheduler pass failed", { error: String(error) }),
  });
  const trigger = (): void => runner.trigger();
  const schedule = (): void => runner.schedule();

  const subscriptions = watched.map((store) => context.state.subscribe(store, { signal }));
  const consumers = subscriptions.map(async (subscription) => {
    for await (const _event of subscription) schedule();
  });
  const safety = setInterval(trigger, options.safetyTickMs ?? 30_000);
  const liveness = setInterval(() => {
    const status = context.raft.status();
    if (status.role !== Role.leader) return;
    const live = [...liveHostsOf(context.nodeName, status.lastContactMs ?? {}, deadAfterMs)]
      .sort().join(",");
    const due = wakeAt !== undefined && context.now() >= wakeAt;
    const retry = failedAt > 0 && context.now().getTime() - failedAt >= 1000;
    if (live !== lastLive || due || retry) trigger();
  }, options.livenessTickMs ?? 250);
  trigger();

  return {
    async stop() {
      stop.abort();
      clearInterval(safety);
      clearInterval(liveness);
      for (const subscription of subscriptions) subscription.close();
      await Promise.allSettled(consumers);
      await runner.stop();
    },
  };
}

function log(context: SchedulerContext, entry: PlanLog): void {
  if (entry.level === "warn") context.log.warn(entry.message, entry.fields);
  else context.log.info(entry.message, entry.fields);
}
