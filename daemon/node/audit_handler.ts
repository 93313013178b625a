/**
 * `Audit.Query` (rpc.md §1.5) served from this node's replicated state through the audit
 * feature's {@link queryAudit}: history in raft order, then live events when following; the
 * stream ends when the caller goes away or the server stops (the call's signal).
 *
 * @module
 */
import type { AuditEvent, AuditQueryRequest } from "../../proto/mod.ts";
import { type AuditSource, queryAudit } from "../audit/mod.ts";
import type { CallContext } from "../api/mod.ts";

/**
 * The `Audit.Query` handler over `state`.
 *
 * @example
 * ```ts
 * const table = { "/jaco.v1.Audit/Query": auditQueryHandler(() => state) };
 * ```
 */
export function auditQueryHandler(
  state: () => AuditSource,
): (request: AuditQueryRequest, context: CallContext) => AsyncIterable<AuditEvent> {
  return (request, context) => queryAudit(state(), request, context.signal);
}
