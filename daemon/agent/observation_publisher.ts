/**
 * Writes this node's replica observations through raft on transitions only (scheduling.md §8 /
 * errors.md gap "every health poll is a raft write"): an observation is submitted when its state,
 * code, container id or details differ from the last one written for the replica — compared with
 * what this process last wrote, else with the replicated record (so a restarted daemon does not
 * rewrite an unchanged observation).
 *
 * Decisions where the spec is silent: observations are submitted with identity `system` (the
 * spec's generic daemon identity; the record's `host` names the node); `last_health_at` is the
 * time of the transition, not a freshness heartbeat — readers must not expect it to advance
 * while nothing changes.
 *
 * @module
 */
import type { Command, ReplicaObserved } from "../../proto/mod.ts";
import type { ClusterState } from "../../state/mod.ts";

/** One observation to publish (identity and times are filled in). */
export interface ObservationInput {
  state: number;
  code: string;
  message: string;
  details: Record<string, string>;
  containerId: string;
  startedAt?: Date;
}

/** Audit identity of runtime observations. */
export const observationIdentity = "system";

function keyOf(value: ObservationInput | ReplicaObserved): string {
  const details = Object.entries(value.details).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([value.state, value.code, value.containerId, details]);
}

/** What an {@link ObservationPublisher} needs. */
export interface ObservationPublisherOptions {
  /** This node (the record's `host`). */
  nodeName: string;
  /** Replicated state (for the last replicated observation). */
  state: ClusterState;
  /** Apply-or-forward. */
  submit(payload: Command["payload"], identity: string): Promise<{ raftIndex: number }>;
  /** Clock. */
  now(): Date;
}

/** Submits observations of one node's replicas, skipping non-transitions. */
export class ObservationPublisher {
  #last = new Map<string, string>();
  #options: ObservationPublisherOptions;
  /** Observations actually submitted (for logs and tests). */
  written = 0;

  constructor(options: ObservationPublisherOptions) {
    this.#options = options;
  }

  /**
   * Submits the observation unless it equals the last one written for the replica.
   *
   * @returns true when a write was submitted
   * @throws the submit error (nothing is remembered, so the next call retries)
   */
  async publish(replicaId: string, observation: ObservationInput): Promise<boolean> {
    const key = keyOf(observation);
    const last = this.#last.get(replicaId) ?? this.#replicated(replicaId);
    if (last === key) return false;
    await this.#options.submit({
      $case: "replicaObservedUpdate",
      value: {
        replica: {
          id: replicaId,
          state: observation.state as ReplicaObserved["state"],
          code: observation.code,
          message: observation.message,
          details: observation.details,
          containerId: observation.containerId,
          host: this.#options.nodeName,
          startedAt: observation.startedAt,
          lastHealthAt: this.#options.now(),
        },
      },
    }, observationIdentity);
    this.#last.set(replicaId, key);
    this.written++;
    return true;
  }

  /** Forgets a replica (removed or moved away). */
  forget(replicaId: string): void {
    this.#last.delete(replicaId);
  }

  #replicated(replicaId: string): string | undefined {
    const observed = this.#options.state.view().replicaObserved(replicaId);
    return observed && observed.host === this.#options.nodeName ? keyOf(observed) : undefined;
  }
}
