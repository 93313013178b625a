/**
 * JACO's consensus core: a pure raft state machine in the etcd-raft mould plus
 * the data contract it speaks.
 *
 * `RaftNode` has no clock, no I/O and no randomness of its own. The driver feeds
 * it `tick()` (logical time), `step(message)` (inbound messages), `propose()`,
 * `proposeConfChange()`, `readIndex()` and `transferLeadership()`, and then
 * drains it with `ready()` / `advance()`. Each `Ready` MUST be processed in
 * this order:
 *
 * 1. **persist** — `snapshot` (if any), then `entries` and `hardState`, durably
 *    (fsync) before anything else;
 * 2. **send** — `messages`, only once step 1 is durable (a vote or an append
 *    acknowledgement must never outrun the disk);
 * 3. **apply** — restore `snapshot` into the state machine (if any), then apply
 *    `committedEntries` in index order; `readStates` may be served once the
 *    state machine has applied up to their `index`;
 * 4. **advance** — call `advance(ready)` before asking for the next `Ready`.
 *
 * Membership changes are single-server and take effect when the change entry
 * is known committed (see `RaftNode`). A member started with nothing persisted
 * and a non-empty `RestoredState.conf` bootstraps: that membership becomes
 * committed `conf_change` entries at term 1 (identical on every member
 * bootstrapped together). A joiner starts with an empty `conf` and learns the
 * membership from the log or a snapshot.
 *
 * `SimCluster` (sim/) runs members over virtual time with a seeded faulty
 * network, crash/restart from their persisted state and online safety checks.
 *
 * @example
 * ```ts
 * import { RaftNode } from "./mod.ts";
 * const node = new RaftNode(
 *   { id: "a", electionTicks: 10, heartbeatTicks: 1, random: Math.random },
 *   { hardState: { term: 0, vote: "", commit: 0 }, entries: [], conf: { voters: ["a"], learners: [] } },
 * );
 * node.campaign();
 * while (node.hasReady()) {
 *   const ready = node.ready();
 *   // persist ready.entries / ready.hardState, send ready.messages, apply ready.committedEntries
 *   node.advance(ready);
 * }
 * ```
 *
 * @module
 */

export * from "./types.ts";
export { RaftNode } from "./node.ts";
export { RaftUsageError } from "./_raft.ts";
export { RaftLogError } from "./_log.ts";
export { decodeConfChange, encodeConfChange } from "./_conf.ts";
export {
  SimCluster,
  type SimClusterOptions,
  type SimDisk,
  type SimStateMachine,
} from "./sim/cluster.ts";
export { type NetworkFaults, reliableFaults } from "./sim/network.ts";
export { Rng } from "./sim/rng.ts";
export {
  type Applied,
  type LeaderChange,
  RaftDriver,
  type RaftDriverOptions,
  type StateMachine,
} from "./driver.ts";
export {
  EMPTY_HARD_STATE,
  MemoryStorage,
  type PersistBatch,
  SNAPSHOTS_RETAINED,
  type Storage,
  StorageCorruptError,
} from "./storage.ts";
export { SqliteStorage, SqliteStorageError, type SqliteStorageOptions } from "./sqlite_storage.ts";
export { SnapshotFiles } from "./snapshot_files.ts";
export { CodecError, decodeMessages, encodeMessages } from "./codec.ts";
export { DEFAULT_MAX_QUEUED_MESSAGES, type MessageHandler, type Transport } from "./transport.ts";
export { MemoryNetwork, MemoryTransport } from "./memory_transport.ts";
export { TlsTransport, type TlsTransportOptions } from "./tls_transport.ts";
