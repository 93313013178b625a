/**
 * What a payload handler sees while one entry applies.
 *
 * @module
 */
import type { AuditEventType } from "../proto/mod.ts";
import { canonicalAuditEvent } from "./_canonical.ts";
import type { Stores } from "./stores.ts";

/** Identity stamped on audit events whose command carries none (gap fix: never empty). */
export const systemIdentity = "system";

/** Apply-time context of one command (batch children share their parent's). */
export class ApplyContext {
  readonly stores: Stores;
  readonly raftIndex: number;
  readonly ts: Date | undefined;
  readonly identity: string;
  readonly revisionHistory: number;

  constructor(options: {
    stores: Stores;
    raftIndex: number;
    ts: Date | undefined;
    identity: string;
    revisionHistory: number;
  }) {
    this.stores = options.stores;
    this.raftIndex = options.raftIndex;
    this.ts = options.ts;
    this.identity = options.identity || systemIdentity;
    this.revisionHistory = options.revisionHistory;
  }

  /** Appends an FSM-generated audit event stamped with this command's index, identity and ts. */
  audit(type: AuditEventType, payload: Record<string, string>): void {
    this.stores.audit.append(
      canonicalAuditEvent({
        raftIndex: this.raftIndex,
        type,
        identity: this.identity,
        ts: this.ts,
        payload,
      }),
      this.raftIndex,
    );
  }
}

/** Result of one handler: nothing (applied) or why it had no effect. */
export type HandlerResult = void | { ignored: string } | { rejected: string };
