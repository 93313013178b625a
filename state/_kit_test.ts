/**
 * Test helpers of state/: build and apply commands with consecutive raft indexes.
 *
 * @module
 */
import { Command, type DeepPartial } from "../proto/mod.ts";
import type { ApplyOutcome } from "./apply_outcome.ts";
import { ClusterState, type ClusterStateOptions } from "./cluster_state.ts";

/** A fixed base time; tests add offsets to it. */
export const t0 = new Date("2026-03-01T12:00:00.000Z");

/** `t0` plus `seconds`. */
export function at(seconds: number): Date {
  return new Date(t0.getTime() + seconds * 1000);
}

/** A partial command payload (`{ $case, value }` with partial value). */
export type PartialPayload = DeepPartial<Command>["payload"];

/** Envelope fields of a test command. */
export interface Envelope {
  ts?: Date;
  identity?: string;
}

/** Encodes a command from a partial payload; ts defaults to t0, identity to `alice`. */
export function commandBytes(payload: PartialPayload, envelope: Envelope = {}): Uint8Array {
  return Command.encode(Command.fromPartial({
    clusterId: "c1",
    ts: "ts" in envelope ? envelope.ts : t0,
    identity: envelope.identity ?? "alice",
    payload,
  })).finish();
}

/** A state plus a raft index counter. */
export class Feeder {
  readonly state: ClusterState;
  index = 0;

  constructor(state: ClusterState | ClusterStateOptions = {}) {
    this.state = state instanceof ClusterState ? state : new ClusterState(state);
    this.index = this.state.appliedIndex;
  }

  /** Applies one command at the next index. */
  apply(payload: PartialPayload, envelope: Envelope = {}): ApplyOutcome {
    this.index++;
    return this.state.apply(commandBytes(payload, envelope), this.index);
  }

  /** Applies raw bytes at the next index. */
  applyBytes(bytes: Uint8Array): ApplyOutcome {
    this.index++;
    return this.state.apply(bytes, this.index);
  }
}

/** Drains what a subscription has queued right now (without waiting for more). */
export async function drain<T>(
  subscription: { queued: number; next(): Promise<IteratorResult<T>> },
): Promise<T[]> {
  const events: T[] = [];
  while (subscription.queued > 0) {
    const next = await subscription.next();
    if (next.done) break;
    events.push(next.value);
  }
  return events;
}

/** Bytes of a string. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
