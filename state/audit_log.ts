/**
 * The replicated audit log: append-only in raft order, compacted deterministically (gap fix: the
 * reference never compacts, so the log grows every snapshot without bound).
 *
 * Retention is applied at apply time against the applying command's `ts`, never a wall clock, so
 * every node prunes exactly the same prefix. It must be configured identically on every node of
 * a cluster (it is a property of the replicated state machine, like the command semantics).
 *
 * @module
 */
import type { AuditEvent } from "../proto/mod.ts";
import type { Broker } from "./broker.ts";
import { WatchEventKind } from "./watch_event.ts";

/** How much audit history the state keeps. */
export interface AuditRetention {
  /** Keep at most this many events (default 10 000; 0 = unlimited). */
  maxEvents?: number;
  /** Drop events older than this relative to the applying command's ts (default 90 days; 0 = off). */
  maxAgeMs?: number;
}

/** Default audit retention: the newest 10 000 events, none older than 90 days. */
export const defaultAuditRetention: Required<AuditRetention> = {
  maxEvents: 10_000,
  maxAgeMs: 90 * 24 * 60 * 60 * 1000,
};

/** The audit log store. */
export class AuditLog {
  readonly broker: Broker<AuditEvent>;
  #events: AuditEvent[] = [];
  #frozen = false;
  #retention: Required<AuditRetention>;

  constructor(broker: Broker<AuditEvent>, retention: AuditRetention = {}) {
    this.broker = broker;
    this.#retention = { ...defaultAuditRetention, ...retention };
  }

  get size(): number {
    return this.#events.length;
  }

  /** Appends an event (owned by the log from now on) and publishes ADDED. */
  append(event: AuditEvent, raftIndex: number): void {
    this.#writable().push(event);
    this.broker.publish({
      kind: WatchEventKind.ADDED,
      after: event,
      raftIndex,
      revision: raftIndex,
      deployment: event.payload["deployment"],
    });
  }

  /**
   * Drops the oldest events beyond the retention, publishing REMOVED for each. Pruning stops at
   * the first event that may stay, so the log is always a contiguous suffix of history; events
   * without a ts only leave through the count limit.
   */
  compact(now: Date | undefined, raftIndex: number): number {
    const { maxEvents, maxAgeMs } = this.#retention;
    const cutoffMs = now && maxAgeMs > 0 ? now.getTime() - maxAgeMs : undefined;
    let drop = 0;
    while (drop < this.#events.length) {
      const overCount = maxEvents > 0 && this.#events.length - drop > maxEvents;
      const ts = this.#events[drop].ts;
      const tooOld = cutoffMs !== undefined && ts !== undefined && ts.getTime() < cutoffMs;
      if (!overCount && !tooOld) break;
      drop++;
    }
    if (drop === 0) return 0;
    const removed = this.#writable().splice(0, drop);
    for (const before of removed) {
      this.broker.publish({
        kind: WatchEventKind.REMOVED,
        before,
        raftIndex,
        revision: raftIndex,
        deployment: before.payload["deployment"],
      });
    }
    return drop;
  }

  /** Replaces the log without events (restore publishes one RESYNC instead). */
  replaceAll(events: AuditEvent[]): void {
    this.#events = events;
    this.#frozen = false;
  }

  /** A consistent immutable read of the log, raft order. */
  read(): readonly AuditEvent[] {
    this.#frozen = true;
    return this.#events;
  }

  #writable(): AuditEvent[] {
    if (this.#frozen) {
      this.#events = [...this.#events];
      this.#frozen = false;
    }
    return this.#events;
  }
}
