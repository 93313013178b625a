/**
 * The data contract of the raft core: log entries, persistent state, messages
 * and the `Ready` batch the core hands to its driver.
 *
 * The core (`RaftNode`) is a pure state machine in the etcd-raft mould: ticks,
 * inbound messages and proposals go in; `ready()` hands back what to persist,
 * what to send and what to apply; `advance()` acknowledges it. The driver MUST
 * process a `Ready` in this order:
 *
 * 1. persist `snapshot` (if any), then `entries` and `hardState` (fsync);
 * 2. send `messages` (only after step 1 is durable);
 * 3. apply `snapshot` to the state machine (if any), then `committedEntries` in order;
 * 4. call `advance(ready)`.
 *
 * Node ids are opaque strings (JACO uses the node hostname). Terms and indexes
 * are plain numbers (safe integers). Payloads are opaque bytes: raft knows
 * nothing about what it replicates.
 *
 * @module
 */

/** Identifies one raft member. */
export type NodeId = string;

/** Kinds of log entry. */
export const EntryType = {
  /** An application command (opaque bytes, possibly empty for the leader's no-op). */
  normal: "normal",
  /** A single-server membership change; `data` is an encoded {@link ConfChange}. */
  confChange: "conf_change",
} as const;
/** One {@link EntryType} value. */
export type EntryType = typeof EntryType[keyof typeof EntryType];

/** One log entry. */
export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/** State that must be durable before any message is sent (Raft §5, Figure 2). */
export interface HardState {
  term: number;
  /** Candidate voted for in `term`, or "" for none. */
  vote: NodeId;
  /** Highest index known committed (persisted so restarts do not re-apply blindly). */
  commit: number;
}

/** The membership: voters decide; learners (non-voters) only receive the log. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

/** Kinds of single-server membership change. */
export const ConfChangeType = {
  addVoter: "add_voter",
  addLearner: "add_learner",
  removeNode: "remove_node",
} as const;
/** One {@link ConfChangeType} value. */
export type ConfChangeType = typeof ConfChangeType[keyof typeof ConfChangeType];

/** A single-server membership change (adding a voter that is a learner promotes it). */
export interface ConfChange {
  type: ConfChangeType;
  node: NodeId;
  /** Opaque context for the application (e.g. the new member's address). */
  context?: Uint8Array;
}

/** Where a snapshot sits in the log, and the membership at that point. */
export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
}

/** A state-machine snapshot made by the application at `meta.index`. */
export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

/** Kinds of raft message. */
export const MessageType = {
  /** Pre-vote request (§9.6 of the dissertation): does not bump terms. */
  preVote: "pre_vote",
  preVoteResponse: "pre_vote_resp",
  vote: "vote",
  voteResponse: "vote_resp",
  /** AppendEntries; also carries heartbeats when `entries` is empty. */
  append: "append",
  appendResponse: "append_resp",
  heartbeat: "heartbeat",
  heartbeatResponse: "heartbeat_resp",
  /** One chunk of InstallSnapshot. */
  snapshot: "snapshot",
  snapshotResponse: "snapshot_resp",
  /** Leadership transfer: the target starts an election at once. */
  timeoutNow: "timeout_now",
  /** A follower forwards a ReadIndex request to the leader. */
  readIndex: "read_index",
  readIndexResponse: "read_index_resp",
} as const;
/** One {@link MessageType} value. */
export type MessageType = typeof MessageType[keyof typeof MessageType];

/**
 * One raft message. Fields not used by a type are left at their zero value
 * (0, "", false, [] or undefined) so every message has one shape and one codec.
 */
export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** append: term of the entry before `entries`; vote: candidate's last log term. */
  logTerm: number;
  /** append: index of the entry before `entries`; vote: last log index; responses: match/hint index. */
  index: number;
  entries: Entry[];
  /** Leader's commit index (append, heartbeat). */
  commit: number;
  /** Response refused the request (vote denied, append mismatch). */
  reject: boolean;
  /** Fast backtracking: on a rejected append, the follower's conflict index. */
  rejectHint: number;
  /** Fast backtracking: the term at `rejectHint` (0 when the follower's log is shorter). */
  rejectTerm: number;
  /** snapshot: the chunk's place; set on `snapshot` messages only. */
  snapshot?: SnapshotChunk;
  /** Opaque request context (ReadIndex request ids, transfer/campaign markers). */
  context?: Uint8Array;
}

/** One chunk of a snapshot in flight. */
export interface SnapshotChunk {
  meta: SnapshotMeta;
  /** Byte offset of `data` within the whole snapshot. */
  offset: number;
  data: Uint8Array;
  /** True on the last chunk. */
  done: boolean;
}

/** The outcome of a ReadIndex request: reads at `index` are linearizable once applied. */
export interface ReadState {
  index: number;
  /** The request context given to `readIndex`. */
  context: Uint8Array;
}

/** Roles a node may hold. */
export const Role = {
  follower: "follower",
  preCandidate: "pre_candidate",
  candidate: "candidate",
  leader: "leader",
} as const;
/** One {@link Role} value. */
export type Role = typeof Role[keyof typeof Role];

/** Volatile state worth reporting when it changes. */
export interface SoftState {
  role: Role;
  /** Known leader, or "" when unknown. */
  leader: NodeId;
}

/**
 * What the core hands the driver: persist, send, apply (in that order; see
 * the module doc), then `advance(ready)`.
 */
export interface Ready {
  /** Present when role or leader changed since the last `Ready`. */
  softState?: SoftState;
  /** Present when it changed and must be persisted. */
  hardState?: HardState;
  /** Entries to append to durable storage (may overwrite a conflicting suffix). */
  entries: Entry[];
  /** A snapshot received from the leader, to persist and install. */
  snapshot?: Snapshot;
  /** Messages to send once the above is durable. */
  messages: Message[];
  /** Entries committed and not yet applied, in order. */
  committedEntries: Entry[];
  /** Completed ReadIndex requests. */
  readStates: ReadState[];
}

/** What a restarting node loads from storage and gives the core. */
export interface RestoredState {
  hardState: HardState;
  /** Latest snapshot, if any; entries start right after it. */
  snapshot?: Snapshot;
  /** Persisted entries after the snapshot, contiguous. */
  entries: Entry[];
  /** Membership when there is no snapshot yet and no conf entries (bootstrap). */
  conf: ConfState;
}

/** Timing and behaviour knobs of the core, in ticks. */
export interface RaftConfig {
  id: NodeId;
  /** Base election timeout; the effective one is drawn from [electionTicks, 2*electionTicks). */
  electionTicks: number;
  /** Heartbeat interval. Must be < electionTicks. */
  heartbeatTicks: number;
  /** Random source in [0, 1) (injected so simulations are reproducible). */
  random: () => number;
  /** Run a pre-vote round before a real election (default true). */
  preVote?: boolean;
  /** Leader steps down when it has not heard from a quorum for an election timeout (default true). */
  checkQuorum?: boolean;
  /** Serve ReadIndex from a leader lease instead of a heartbeat round (needs checkQuorum). */
  leaseRead?: boolean;
  /** Max bytes of entries per append message (batching). */
  maxMessageBytes?: number;
  /** Max append messages in flight per follower (pipelining). */
  maxInflight?: number;
  /** Max bytes per InstallSnapshot chunk. */
  snapshotChunkBytes?: number;
}

/** Result of a proposal: accepted at an index, or refused with the known leader. */
export type ProposeResult =
  | { ok: true; index: number; term: number }
  | {
    ok: false;
    reason: "not_leader" | "transfer_in_progress" | "conf_change_pending";
    leader: NodeId;
  };

/** A read-only view of the node, for status reporting and tests. */
export interface RaftStatus {
  id: NodeId;
  role: Role;
  term: number;
  leader: NodeId;
  commit: number;
  applied: number;
  lastIndex: number;
  conf: ConfState;
  /**
   * Leader only: logical ticks since each other member last sent this leader a message (absent
   * on followers; a member is presumed in contact when the leader starts tracking it).
   */
  peerContactTicks?: Record<NodeId, number>;
  /**
   * Leader only, from `RaftDriver.status()`: {@link RaftStatus.peerContactTicks} in
   * milliseconds (ticks × tick length); the scheduler's node-liveness signal.
   */
  lastContactMs?: Record<NodeId, number>;
}
