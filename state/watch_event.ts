/**
 * Watch events of the replicated stores (rpc.md §5, architecture.md §7).
 *
 * @module
 */

/** What happened to a key. */
export const WatchEventKind = {
  /** New key: `after` only. */
  ADDED: "ADDED",
  /** Existing key written (even if unchanged): `before` and `after`. */
  UPDATED: "UPDATED",
  /** Key deleted: `before` only. */
  REMOVED: "REMOVED",
  /** The subscriber missed events: neither; re-read the whole store. */
  RESYNC: "RESYNC",
} as const;

/** One watch event kind. */
export type WatchEventKind = typeof WatchEventKind[keyof typeof WatchEventKind];

/**
 * One change of one store.
 *
 * `revision` is the raft index of the mutation (several events share it when one command — a
 * batch or a cascade — changes several keys). It never decreases within a store, so a subscriber
 * that has processed every event up to revision R resumes with `sinceRevision: R`. A RESYNC
 * carries the revision at which the subscriber must re-read the store.
 */
export interface WatchEvent<T> {
  /** What happened. */
  readonly kind: WatchEventKind;
  /** Value before the change (UPDATED, REMOVED). */
  readonly before?: T;
  /** Value after the change (ADDED, UPDATED). */
  readonly after?: T;
  /** Raft index of the mutation (the restore index for a restore RESYNC). */
  readonly raftIndex: number;
  /** Monotonic per-store position of the event; equals `raftIndex`. */
  readonly revision: number;
  /**
   * Deployment the entity belongs to, resolved when the event is published (observations,
   * restart counters and replica commands through their desired record). Drives deployment
   * filters; an event without one passes every filter (rpc.md §5: "otherwise ignored").
   */
  readonly deployment?: string;
  /**
   * True for a replica observation rewrite that changed nothing but `last_health_at`, so
   * consumers that only care about state transitions can skip it cheaply.
   */
  readonly freshnessOnly?: boolean;
}

/** A RESYNC event at `revision`. */
export function resyncEvent<T>(revision: number): WatchEvent<T> {
  return { kind: WatchEventKind.RESYNC, raftIndex: revision, revision };
}
