/**
 * Health classification of one container (scheduling.md §8 table), pure: an inspect result and
 * the consecutive-running counter in, a replica state/code and the next counter out.
 *
 * Decisions where the spec is silent: "healthcheck declared" is read from the engine
 * (`State.Health` present), which also covers a HEALTHCHECK baked into the image and leaves
 * out `healthcheck: {disable: true}` (`["NONE"]`); a container that no longer exists is an
 * inspect failure (`no such container`).
 *
 * @module
 */
import { ReplicaState } from "../proto/mod.ts";
import type { EngineContainer } from "./engine.ts";

/** Consecutive running polls that make a container without healthcheck `running`. */
export const runningPollsWithoutHealthcheck = 5;

/** The observation a poll yields (what a `ReplicaObserved` carries besides identity and times). */
export interface HealthReport {
  state: ReplicaState;
  /** Observation code; "" when none. */
  code: string;
  message: string;
  /** `exit_code` when non-zero, `ip.<network>` per attached network. */
  details: Record<string, string>;
  /** When the container started (engine time), when known. */
  startedAt?: Date;
}

/** A classification plus the counter to carry into the next poll. */
export interface Classification {
  report: HealthReport;
  consecutiveRunning: number;
}

function report(
  state: ReplicaState,
  code = "",
  message = "",
  details: Record<string, string> = {},
): HealthReport {
  return { state, code, message, details };
}

/**
 * Classifies one poll.
 *
 * @param inspected the inspected container, `undefined` when it does not exist, or the error
 * @param consecutiveRunning running polls seen in a row before this one (no-healthcheck warm-up)
 */
export function classifyContainer(
  inspected: EngineContainer | undefined | Error,
  consecutiveRunning: number,
): Classification {
  if (inspected instanceof Error || inspected === undefined) {
    const message = inspected instanceof Error ? inspected.message : "no such container";
    return {
      report: report(ReplicaState.REPLICA_STATE_FAILED, "inspect_failed", message),
      consecutiveRunning: 0,
    };
  }
  const state = inspected.State;
  if (!state) {
    return {
      report: report(ReplicaState.REPLICA_STATE_FAILED, "no_state", "container has no state"),
      consecutiveRunning: 0,
    };
  }
  const details: Record<string, string> = {};
  for (const [network, ip] of Object.entries(inspected.networkIps)) {
    if (ip !== "") details[`ip.${network}`] = ip;
  }
  const startedAt = state.StartedAt && !state.StartedAt.startsWith("0001-")
    ? new Date(state.StartedAt)
    : undefined;
  const withStart = (result: HealthReport) => startedAt ? { ...result, startedAt } : result;
  if (state.Status === "exited") {
    if (state.ExitCode !== 0) details.exit_code = String(state.ExitCode);
    return {
      report: report(
        ReplicaState.REPLICA_STATE_FAILED,
        "container_exited",
        `container exited with code ${state.ExitCode}`,
        details,
      ),
      consecutiveRunning: 0,
    };
  }
  const health = state.Health?.Status;
  if (health === "healthy") {
    return {
      report: withStart(report(ReplicaState.REPLICA_STATE_RUNNING, "", "", details)),
      consecutiveRunning: consecutiveRunning + 1,
    };
  }
  if (health === "unhealthy") {
    return {
      report: withStart(
        report(ReplicaState.REPLICA_STATE_DEGRADED, "", "healthcheck unhealthy", details),
      ),
      consecutiveRunning: 0,
    };
  }
  if (health !== undefined && health !== "none") {
    return {
      report: withStart(report(ReplicaState.REPLICA_STATE_PENDING, "", "", details)),
      consecutiveRunning: 0,
    };
  }
  if (state.Status === "running") {
    const count = consecutiveRunning + 1;
    const running = count >= runningPollsWithoutHealthcheck;
    return {
      report: withStart(
        report(
          running ? ReplicaState.REPLICA_STATE_RUNNING : ReplicaState.REPLICA_STATE_PENDING,
          "",
          "",
          details,
        ),
      ),
      consecutiveRunning: count,
    };
  }
  return {
    report: report(ReplicaState.REPLICA_STATE_PENDING, "", "", details),
    consecutiveRunning: 0,
  };
}

/**
 * True when two reports differ in what readers act on: state, code, exit code or container IPs
 * (messages and start times alone are not transitions).
 */
export function isTransition(before: HealthReport | undefined, after: HealthReport): boolean {
  if (!before) return true;
  if (before.state !== after.state || before.code !== after.code) return true;
  const keys = new Set([...Object.keys(before.details), ...Object.keys(after.details)]);
  for (const key of keys) if (before.details[key] !== after.details[key]) return true;
  return false;
}
