// Shared fixtures of the audit tests: a ClusterState fed audit events through real commands.
import { type AuditEvent, AuditEventType, Command } from "../../proto/mod.ts";
import { ClusterState } from "../../state/mod.ts";

/** A second of a fixed test day. */
export function at(second: number): Date {
  return new Date(Date.UTC(2026, 5, 1, 12, 0, second));
}

/** One event to append: type short form, payload, and its ts (undefined = no ts at all). */
export interface Append {
  type?: AuditEventType;
  payload?: Record<string, string>;
  ts?: Date;
}

/** A ClusterState plus the next raft index. */
export class AuditFeeder {
  readonly state: ClusterState;
  index = 0;

  constructor(state = new ClusterState()) {
    this.state = state;
    this.index = state.appliedIndex;
  }

  /** Appends one event as its own command; returns its raft index. */
  append(event: Append = {}): number {
    return this.batch([event]);
  }

  /** Appends several events in one batch command, so they share one raft index. */
  batch(events: Append[]): number {
    const children = events.map((event) => ({
      ts: event.ts,
      identity: "tester",
      payload: {
        $case: "auditAppend" as const,
        value: {
          event: {
            type: event.type ?? AuditEventType.AUDIT_EVENT_TYPE_BACKUP_TAKEN,
            payload: event.payload ?? {},
          },
        },
      },
    }));
    const command = children.length === 1
      ? Command.fromPartial(children[0])
      : Command.fromPartial({ payload: { $case: "batch", value: { children } } });
    this.index++;
    this.state.applyCommand(command, this.index);
    return this.index;
  }
}

/** The `n` payload values of events, a compact way to compare streams. */
export function ns(events: AuditEvent[]): string[] {
  return events.map((event) => `${event.raftIndex}:${event.payload.n}`);
}
