/**
 * The drain half of `Cluster.NodeRemove` (cluster.md §6.1 steps 1–4): which of the leaver's
 * desired replicas must move, whether each can, the cordon that makes the scheduler move them,
 * and the wait until none is left.
 *
 * Division of labour: the scheduler (`scheduler/`) does the make-before-break migration of every
 * replica on a node whose `status_details.drain` is set — it places a replacement on an eligible
 * node, keeps the original running and routable until the replacement reports `running`, then
 * retires the original. This module only plans (refusing what cannot move), cordons, and waits.
 *
 * Decisions where the spec is silent:
 * - `global` services are skipped (every survivor runs one), and so are replicas of services no
 *   longer declared in their deployment (cluster.md §6.1 step 1).
 * - A `hosts`-pinned replica can move only to another listed host that is `ready`, not cordoned
 *   and not the leaver; any other replica needs at least one such node anywhere. Replicas that
 *   cannot move → `drain_no_placement` ("node hosts pinned replicas: [...]", ids sorted).
 * - "5 min per replica" is a progress deadline: the clock restarts every time the number of
 *   replicas left on the node drops, so N replicas that move one after another get 5 min each.
 * - The cordon is `NodeStatusUpdate{status: <current>, details: <current> + drain=in_progress}`;
 *   a cancelled drain lifts it again (best effort); a timed-out one sets status `drain_timeout`
 *   with `details {drain: timeout, reason}` (only `ready` nodes are placement-eligible, so the
 *   node stays out of placement until an operator retries or forces the removal).
 *
 * @module
 */
import { type Node, NodeStatus, ServiceSpec_PlacementMode } from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import type { StateView } from "../../state/mod.ts";
import type { SubmitPayload } from "./join_token.ts";

/** Per-replica progress deadline of a drain (cluster.md §6.1 step 3). */
export const DRAIN_REPLICA_TIMEOUT_MS = 5 * 60_000;
/** How often the drain re-reads state. */
export const DRAIN_POLL_MS = 500;
/** `status_details` key the scheduler reads: set = cordoned, migrate everything off. */
export const DRAIN_DETAIL = "drain";

/** The leaver's desired replicas that must leave before it can (ids sorted). */
export function replicasToMove(view: StateView, leaver: string): string[] {
  const ids: string[] = [];
  for (const replica of view.replicasDesired({ host: leaver })) {
    const spec = view.deployment(replica.deployment)?.services
      .find((service) => service.name === replica.service);
    if (!spec || spec.placement === ServiceSpec_PlacementMode.PLACEMENT_MODE_GLOBAL) continue;
    ids.push(replica.id);
  }
  return ids.sort();
}

function eligible(node: Node | undefined, leaver: string): boolean {
  return node !== undefined && node.hostname !== leaver &&
    node.status === NodeStatus.NODE_STATUS_READY && !node.statusDetails[DRAIN_DETAIL];
}

/**
 * Refuses a drain that cannot complete (see module doc).
 *
 * @throws {JacoError} `drain_no_placement` listing the replicas with no eligible host
 */
export function assertPlaceable(view: StateView, leaver: string, ids: readonly string[]): void {
  const anyEligible = view.nodes().some((node) => eligible(node, leaver));
  const stuck = ids.filter((id) => {
    const replica = view.replicaDesired(id);
    if (!replica) return false;
    const spec = view.deployment(replica.deployment)?.services
      .find((service) => service.name === replica.service);
    if (spec?.placement === ServiceSpec_PlacementMode.PLACEMENT_MODE_HOSTS) {
      return !spec.hosts.some((host) => eligible(view.node(host), leaver));
    }
    return !anyEligible;
  });
  if (stuck.length > 0) {
    throw new JacoError(
      "drain_no_placement",
      `node hosts pinned replicas: [${stuck.join(", ")}]`,
      { hostname: leaver, replicas: stuck.join(",") },
    );
  }
}

/** What {@link drainNode} needs. */
export interface DrainDeps {
  /** Replicated state as of now. */
  view: () => StateView;
  /** The write path (leader). */
  submit: SubmitPayload;
  /** Audit identity of the cordon writes (the caller). */
  identity: string;
  /** Monotonic-enough clock in ms. */
  now: () => number;
  /** Waits `ms` (resolves early when `signal` aborts). */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Progress deadline (default {@link DRAIN_REPLICA_TIMEOUT_MS}). */
  replicaTimeoutMs?: number;
  /** Poll interval (default {@link DRAIN_POLL_MS}). */
  pollMs?: number;
}

function statusUpdate(hostname: string, status: NodeStatus, details: Record<string, string>) {
  return {
    $case: "nodeStatusUpdate" as const,
    value: {
      hostname,
      status,
      details,
      cpuPressure: 0,
      memoryPressure: 0,
      includePressure: false,
    },
  };
}

/**
 * Cordons `leaver` and waits until none of `ids` is desired on it any more; resolves with the
 * number of replicas that moved.
 *
 * @throws {JacoError} `drain_timeout` (node status set to `drain_timeout`), `drain_cancelled`
 *   when `signal` aborts (cordon lifted), `drain_apply_failed` when the cordon cannot be written
 */
export async function drainNode(
  deps: DrainDeps,
  leaver: string,
  ids: readonly string[],
  signal: AbortSignal,
): Promise<number> {
  const node = deps.view().node(leaver);
  if (!node || ids.length === 0) return 0;
  const { [DRAIN_DETAIL]: _previous, ...baseDetails } = node.statusDetails;
  try {
    await deps.submit(
      statusUpdate(leaver, node.status, { ...baseDetails, [DRAIN_DETAIL]: "in_progress" }),
      deps.identity,
    );
  } catch (error) {
    throw new JacoError("drain_apply_failed", `cannot cordon node "${leaver}": ${error}`, {
      hostname: leaver,
    });
  }
  const left = () => ids.filter((id) => deps.view().replicaDesired(id)?.host === leaver);
  const timeoutMs = deps.replicaTimeoutMs ?? DRAIN_REPLICA_TIMEOUT_MS;
  let remaining = left();
  let deadline = deps.now() + timeoutMs;
  while (remaining.length > 0) {
    if (signal.aborted) {
      await deps.submit(statusUpdate(leaver, node.status, baseDetails), deps.identity)
        .catch(() => undefined);
      throw new JacoError("drain_cancelled", `drain of node "${leaver}" cancelled by the caller`, {
        hostname: leaver,
        remaining: remaining.join(","),
      });
    }
    if (deps.now() >= deadline) {
      await deps.submit(
        statusUpdate(leaver, NodeStatus.NODE_STATUS_DRAIN_TIMEOUT, {
          ...baseDetails,
          [DRAIN_DETAIL]: "timeout",
          reason: `replicas not moved in time: ${remaining.join(",")}`,
        }),
        deps.identity,
      ).catch(() => undefined);
      throw new JacoError(
        "drain_timeout",
        `node "${leaver}" still hosts [${remaining.join(", ")}] after ${
          timeoutMs / 1000
        } s without progress; retry or use --force`,
        { hostname: leaver, remaining: remaining.join(",") },
      );
    }
    await deps.sleep(deps.pollMs ?? DRAIN_POLL_MS, signal);
    const now = left();
    if (now.length < remaining.length) deadline = deps.now() + timeoutMs;
    remaining = now;
  }
  return ids.length;
}

/** Waits `ms`, resolving early (never rejecting) when `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
