/**
 * The replicated state machine (rpc.md §2–§5, architecture.md §5, §7): typed in-memory stores of
 * the closed entity set, the deterministic FSM that applies committed `Command`s to them,
 * byte-identical `FSMSnapshot` encoding, one watch broker per store with resumable bounded
 * subscriptions, a read-only view for the scheduler, and the client `Watch.Subscribe` stream.
 *
 * Decisions where the spec is silent (all must be configured identically on every node):
 * - Deployment history: the last 10 earlier revisions (with services, routes and TCP routes) are
 *   kept in `Deployment.history`; rollback to a retained revision restores its content.
 * - Audit retention: newest 10 000 events, none older than 90 days, judged against the applying
 *   command's ts at apply time (REMOVED events are published for pruned entries).
 * - Expired ACME challenge tokens (`expires_at` ≤ the applying command's ts) are dropped.
 * - Restore publishes one RESYNC per store (not ADDED per entity): it also covers deletions and
 *   would overflow queues anyway; no resume reaches across a restore.
 * - Revisions are raft indexes: monotonic per store, shared by every event of one command.
 * - On overflow a subscriber's whole queue is replaced by a single RESYNC.
 *
 * @example
 * ```ts
 * import { ClusterState } from "./mod.ts";
 *
 * const state = new ClusterState();
 * const outcome = state.apply(entry.data, entry.index); // { status: "applied", ... }
 * const view = state.view(); // scheduler input
 * const subscription = state.subscribe("replicas_desired", { sinceRevision: 0, signal });
 * ```
 *
 * @module
 */

export { type ApplyOutcome, ApplyStatus } from "./apply_outcome.ts";
export { type AuditRetention, defaultAuditRetention } from "./audit_log.ts";
export { type BrokerOptions, defaultHistorySize, type SubscribeOptions } from "./broker.ts";
export { subscribeClient, toSubscribeEvent } from "./client_watch.ts";
export {
  ApplyOrderError,
  ClusterState,
  type ClusterStateOptions,
  defaultRevisionHistory,
} from "./cluster_state.ts";
export { compositeKey, entityKeys, hexOf, keySeparator, tcpRouteKey } from "./keys.ts";
export { redactForClient, redactValue } from "./redact.ts";
export { canonicalRegistryKey } from "./registry_key.ts";
export { type ReplicaFilter, StateView } from "./state_view.ts";
export { StoreName, type StoreValues } from "./stores.ts";
export { SnapshotDecodeError } from "./snapshot_codec.ts";
export { defaultQueueSize, type WatchSubscription } from "./subscription.ts";
export { resyncEvent, type WatchEvent, WatchEventKind } from "./watch_event.ts";
