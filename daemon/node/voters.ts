/**
 * Wires the membership reconciler (cluster.md §5) to this node's raft driver: the reconciler
 * reads the live configuration and applies at most one suffrage change per tick, but only while
 * this member leads (every member runs it, so a new leader carries on). Addresses come from the
 * replicated `Node` records.
 *
 * @module
 */
import type { RaftDriver } from "../../raft/mod.ts";
import { startVoterLoop, type VoterChange, VoterReconciler } from "../membership/mod.ts";
import type { DaemonLogger } from "./log.ts";

/** A running reconciler. */
export interface VoterRunner {
  /** Asks for a tick now (after a join). */
  kick(): void;
  /** Stops the loop (the tick in flight finishes first). */
  stop(): Promise<void>;
}

/** Inputs of {@link startVoters}. */
export interface StartVotersOptions {
  /** The raft driver. */
  raft: Pick<RaftDriver, "status" | "promote" | "remove" | "addLearner">;
  /** Hostname → raft address of the members. */
  addresses: () => ReadonlyMap<string, string>;
  /** Logger. */
  log: DaemonLogger;
  /** Tick interval (default the loop's 3 s). */
  intervalMs?: number;
  /** How long a learner must be seen before promotion (default the policy's 3 s). */
  promoteAfterMs?: number;
}

/**
 * Applies one change: a promotion is one add-voter; a demotion is remove + add-learner at the
 * server's address, each committed before the next (the core has no demotion).
 */
async function applyChange(
  options: StartVotersOptions,
  change: VoterChange,
): Promise<void> {
  if (change.kind === "promote") {
    await options.raft.promote(change.server);
    return;
  }
  const address = options.addresses().get(change.server);
  if (!address) throw new Error(`voter ${change.server} has no known address; not demoting it`);
  await options.raft.remove(change.server);
  await options.raft.addLearner(change.server, address);
}

/** Starts the reconciler loop on this member. */
export function startVoters(options: StartVotersOptions): VoterRunner {
  const controller = new AbortController();
  const reconciler = new VoterReconciler({
    now: () => Date.now(),
    read: () => {
      const status = options.raft.status();
      if (status.role !== "leader") return { isLeader: false };
      return {
        isLeader: true,
        self: status.id,
        config: { voters: status.conf.voters, learners: status.conf.learners },
        addresses: options.addresses(),
      };
    },
    apply: (change) => applyChange(options, change),
    promoteAfterMs: options.promoteAfterMs,
    log: (level, message, attributes) => options.log[level](message, attributes),
  });
  const loop = startVoterLoop({
    reconciler,
    signal: controller.signal,
    intervalMs: options.intervalMs,
    log: (level, message, attributes) => options.log[level](message, attributes),
  });
  return {
    kick: () => loop.kick(),
    stop: async () => {
      controller.abort();
      await loop.done;
    },
  };
}
