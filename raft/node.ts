/**
 * Placeholder so dependants compile while the core lands.
 *
 * @module
 */
import type {
  ConfChange,
  Message,
  NodeId,
  ProposeResult,
  RaftConfig,
  RaftStatus,
  Ready,
  RestoredState,
  Snapshot,
} from "./types.ts";

/** The raft core (being implemented; API is final). */
export class RaftNode {
  #id: NodeId;
  /** Builds a node from its configuration and what storage restored. */
  constructor(config: RaftConfig, _restored: RestoredState) {
    this.#id = config.id;
  }
  /** Advances the logical clock by one tick. */
  tick(): void {}
  /** Feeds one inbound message. */
  step(_message: Message): void {}
  /** Starts an election now. */
  campaign(): void {}
  /** Proposes an application command. */
  propose(_data: Uint8Array): ProposeResult {
    return { ok: false, reason: "not_leader", leader: "" };
  }
  /** Proposes a single-server membership change. */
  proposeConfChange(_change: ConfChange): ProposeResult {
    return { ok: false, reason: "not_leader", leader: "" };
  }
  /** Hands leadership to `to`. */
  transferLeadership(_to: NodeId): void {}
  /** Requests a linearizable read index. */
  readIndex(_context: Uint8Array): void {}
  /** Compacts the log up to `index` with an application snapshot. */
  compact(_index: number, _data: Uint8Array): Snapshot {
    throw new Error("not implemented yet");
  }
  /** Whether `ready()` has anything. */
  hasReady(): boolean {
    return false;
  }
  /** The next batch to persist, send and apply. */
  ready(): Ready {
    return { entries: [], messages: [], committedEntries: [], readStates: [] };
  }
  /** Acknowledges a processed `Ready`. */
  advance(_ready: Ready): void {}
  /** A read-only view of the node. */
  status(): RaftStatus {
    return {
      id: this.#id,
      role: "follower",
      term: 0,
      leader: "",
      commit: 0,
      applied: 0,
      lastIndex: 0,
      conf: { voters: [], learners: [] },
    };
  }
}
