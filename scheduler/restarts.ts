/**
 * The restarter (scheduling.md §11), level-triggered and pure: it decides from the observation
 * and the replica's `RestartCounter` alone, so repeated passes never double-count.
 *
 * - `failed` (not `restart_exhausted`) or `degraded`, on the replica's desired host, that host
 *   live: the failure is new when there is no counter yet or the observation is newer than the
 *   counter's `last_attempt_at` (runtimes stamp `last_health_at` on every write). n = counter +
 *   1; n ≥ 3 → terminal `failed/restart_exhausted` observation (until the next applied revision
 *   clears it, see state/). Otherwise `RestartCounterUpdate{INCREMENT}` + `ReplicaCommandIssue`
 *   (`degraded`: `remove_from_routing` first, then `restart`), but not before the backoff:
 *   2^(counter − 1) s after `last_attempt_at` (1 s, 2 s). Degraded restarts count toward the same
 *   budget (the counter is also what makes each restart be issued once).
 * - `running` with a counter → `RestartCounterUpdate{RESET}`.
 *
 * @module
 */
import {
  type ReplicaObserved,
  ReplicaState,
  RestartCounterUpdate_Action as Action,
} from "../proto/mod.ts";
import { ReplicaCommandOp } from "../proto/mod.ts";
import type { Pass } from "./_pass.ts";
import { restartExhaustedCode, restartLimit } from "./types.ts";

/** Appends the restart decisions of every desired replica to the pass. */
export function planRestarts(pass: Pass): void {
  const counters = new Map(pass.view.restartCounters().map((c) => [c.replicaId, c]));
  for (const services of pass.replicas.values()) {
    for (const replicas of services.values()) {
      for (const replica of replicas) {
        const observed = pass.observed.get(replica.id);
        if (!observed || pass.removed.has(replica.id) || !pass.cluster.isLive(replica.host)) {
          continue;
        }
        if (observed.host !== "" && observed.host !== replica.host) continue;
        const counter = counters.get(replica.id);
        if (observed.state === ReplicaState.REPLICA_STATE_RUNNING) {
          if (counter) {
            pass.add({
              $case: "restartCounterUpdate",
              value: { replicaId: replica.id, action: Action.ACTION_RESET },
            });
          }
          continue;
        }
        const degraded = observed.state === ReplicaState.REPLICA_STATE_DEGRADED;
        const failed = observed.state === ReplicaState.REPLICA_STATE_FAILED &&
          observed.code !== restartExhaustedCode;
        if (!degraded && !failed) continue;
        const failures = counter?.consecutiveFailures ?? 0;
        const lastAttempt = counter?.lastAttemptAt;
        if (counter && lastAttempt && !isNewer(observed, lastAttempt)) continue;
        if (failures + 1 >= restartLimit) {
          exhaust(pass, observed, failures + 1);
          continue;
        }
        if (lastAttempt && failures > 0) {
          const due = new Date(lastAttempt.getTime() + 1000 * 2 ** (failures - 1));
          if (pass.now < due) {
            pass.wakeNoLaterThan(due);
            continue;
          }
        }
        pass.add({
          $case: "restartCounterUpdate",
          value: { replicaId: replica.id, action: Action.ACTION_INCREMENT },
        });
        if (degraded) command(pass, replica.id, ReplicaCommandOp.remove_from_routing);
        command(pass, replica.id, ReplicaCommandOp.restart);
        pass.logs.push({
          level: "info",
          message: "restarting replica",
          fields: {
            replica: replica.id,
            attempt: failures + 1,
            state: degraded ? "degraded" : "failed",
          },
        });
      }
    }
  }
}

/** The observation was written after `at` (by its health stamp, else its start; none = no). */
function isNewer(observed: ReplicaObserved, at: Date): boolean {
  const stamp = observed.lastHealthAt ?? observed.startedAt;
  return stamp !== undefined && stamp > at;
}

function command(pass: Pass, replicaId: string, op: string): void {
  pass.add({ $case: "replicaCommandIssue", value: { replicaId, op } });
}

function exhaust(pass: Pass, observed: ReplicaObserved, failures: number): void {
  pass.add({
    $case: "replicaObservedUpdate",
    value: {
      replica: {
        ...observed,
        state: ReplicaState.REPLICA_STATE_FAILED,
        code: restartExhaustedCode,
        message: `restart policy gave up after ${restartLimit} consecutive failures`,
        details: { ...observed.details, consecutive_failures: String(failures) },
      },
    },
  });
  pass.logs.push({
    level: "warn",
    message: "restart policy gave up",
    fields: { replica: observed.id, consecutive_failures: failures },
  });
}
