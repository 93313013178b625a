/**
 * The body of `Audit.Query` (rpc.md §1.5, observability.md §3.3) over the node's replicated
 * state: matching history in raft order, then — with `follow` — live events, resync-safe.
 *
 * Decisions where the spec is silent:
 * - Follow subscribes before reading the history and reads the log whole at a known raft index,
 *   so nothing committed in between is lost; duplicates are dropped by a cursor that also keeps
 *   apart several events of one command (see `_delivery_cursor.ts`).
 * - A RESYNC (subscriber overflow or snapshot install) re-reads the retained log past the cursor.
 *   Events pruned by retention before the re-read are gone from every node, so they are not a gap
 *   the stream could fill.
 * - REMOVED events (retention pruning) are not sent: the stream reports what happened, not the
 *   log's housekeeping.
 * - The stream ends when `signal` aborts (client gone, daemon shutdown); a slow reader only
 *   delays the stream, its queue overflow turns into a RESYNC and a re-read.
 *
 * @module
 */
import type { AuditEvent, AuditQueryRequest } from "../../proto/mod.ts";
import type { ClusterState } from "../../state/mod.ts";
import { auditMatcher } from "./audit_filter.ts";
import { DeliveryCursor } from "./_delivery_cursor.ts";

/** What the query reads: the state's consistent view and its audit store's events. */
export type AuditSource = Pick<ClusterState, "view" | "subscribe">;

/** Options of {@link queryAudit} beyond the request. */
export interface QueryAuditOptions {
  /** Live-queue capacity of a follow stream (default: the state's subscriber default). */
  queueSize?: number;
}

/**
 * Streams the audit events a request asks for.
 *
 * @throws {JacoError} `validation_failed` for an unknown type or `since` after `until`, on the
 *   first `next()`, before anything is sent
 * @example
 * ```ts
 * for await (const event of queryAudit(state, request, call.signal)) send(AuditEvent.toJSON(event));
 * ```
 */
export async function* queryAudit(
  state: AuditSource,
  request: AuditQueryRequest,
  signal: AbortSignal,
  options: QueryAuditOptions = {},
): AsyncGenerator<AuditEvent> {
  const matches = auditMatcher(request);
  if (signal.aborted) return;
  if (!request.follow) {
    for (const event of state.view().auditEvents()) {
      if (signal.aborted) return;
      if (matches(event)) yield event;
    }
    return;
  }
  // Subscribe first: whatever commits after this line is either in the read below or queued.
  const subscription = state.subscribe("audit", { signal, queueSize: options.queueSize });
  const cursor = new DeliveryCursor();
  try {
    yield* readLog(state, cursor, matches, signal);
    for await (const change of subscription) {
      if (signal.aborted) return;
      if (change.kind === "RESYNC") {
        yield* readLog(state, cursor, matches, signal);
      } else if (change.kind === "ADDED" && change.after && cursor.admit(change.after)) {
        if (matches(change.after)) yield change.after;
      }
    }
  } finally {
    subscription.close();
  }
}

/** Sends the retained events past the cursor, then starts a new live pass. */
async function* readLog(
  state: AuditSource,
  cursor: DeliveryCursor,
  matches: (event: AuditEvent) => boolean,
  signal: AbortSignal,
): AsyncGenerator<AuditEvent> {
  const view = state.view();
  const events = view.auditEvents();
  cursor.beginPass();
  const fresh = events.filter((event) => cursor.admit(event));
  // Taken whole at view.raftIndex: any queued copy of an event at or below it is a duplicate.
  cursor.advanceTo(view.raftIndex);
  cursor.beginPass();
  for (const event of fresh) {
    if (signal.aborted) return;
    if (matches(event)) yield event;
  }
}
