/**
 * The filter of `Audit.Query` (rpc.md §1.5): type ∈ `types` (empty = all), `ts ≥ since`,
 * `ts ≤ until`; an event without a ts never matches a request that sets `since` or `until`,
 * since nothing can be said about when it happened.
 *
 * @module
 */
import { JacoError } from "../../proto/errors.ts";
import {
  type AuditEvent,
  AuditEventType,
  type AuditQueryRequest,
  enumShortName,
} from "../../proto/mod.ts";

/** Decides whether one audit event belongs to a query's answer. */
export type AuditMatcher = (event: AuditEvent) => boolean;

/**
 * Builds the predicate of a query. Types are checked up front: a number this daemon does not
 * know (the retired 22, `UNSPECIFIED`, a type a newer client sent) would otherwise match
 * nothing silently, and a follow stream would then wait forever for events that cannot come.
 *
 * @throws {JacoError} `validation_failed` for an unknown type in `types`, or `since` after `until`
 * @example
 * ```ts
 * const matches = auditMatcher({ types: [AuditEventType.AUDIT_EVENT_TYPE_APPLY], follow: false });
 * state.view().auditEvents().filter(matches);
 * ```
 */
export function auditMatcher(
  request: Pick<AuditQueryRequest, "types" | "since" | "until">,
): AuditMatcher {
  for (const type of request.types) {
    if (
      type === AuditEventType.AUDIT_EVENT_TYPE_UNSPECIFIED || !enumShortName(AuditEventType, type)
    ) {
      throw new JacoError("validation_failed", `types: unknown audit type ${type}`, {
        field: "types",
        value: String(type),
      });
    }
  }
  const sinceMs = request.since?.getTime();
  const untilMs = request.until?.getTime();
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) {
    throw new JacoError(
      "validation_failed",
      `since: ${request.since!.toISOString()} is after until ${request.until!.toISOString()}`,
      { field: "since", since: request.since!.toISOString(), until: request.until!.toISOString() },
    );
  }
  const types = new Set<number>(request.types);
  return (event) => {
    if (types.size > 0 && !types.has(event.type)) return false;
    if (sinceMs === undefined && untilMs === undefined) return true;
    const tsMs = event.ts?.getTime();
    if (tsMs === undefined) return false;
    if (sinceMs !== undefined && tsMs < sinceMs) return false;
    return untilMs === undefined || tsMs <= untilMs;
  };
}
