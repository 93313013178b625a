/**
 * The audit log's query side: `Audit.Query` over the node's replicated state (rpc.md §1.5) —
 * type/since/until filters, history in raft order, and resync-safe follow.
 *
 * @example
 * ```ts
 * import { queryAudit } from "./mod.ts";
 *
 * for await (const event of queryAudit(state, { types: [], follow: true }, signal)) send(event);
 * ```
 *
 * @module
 */
export { type AuditMatcher, auditMatcher } from "./audit_filter.ts";
export { type AuditSource, queryAudit, type QueryAuditOptions } from "./query_audit.ts";
