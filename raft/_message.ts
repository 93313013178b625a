/**
 * Building raft messages and recognising leadership-transfer votes.
 *
 * @module
 */
import type { Message } from "./types.ts";

const TRANSFER_CONTEXT = new TextEncoder().encode("raft:transfer");

/** Marks vote requests of a leadership transfer (they bypass leader stickiness). */
export function transferContext(): Uint8Array {
  return TRANSFER_CONTEXT.slice();
}

/** Whether a vote request belongs to a leadership transfer. */
export function isTransfer(context: Uint8Array | undefined): boolean {
  return !!context && context.byteLength === TRANSFER_CONTEXT.byteLength &&
    context.every((b, i) => b === TRANSFER_CONTEXT[i]);
}

/** A message with every unused field at its zero value. */
export function message(fields: Partial<Message> & Pick<Message, "type" | "to">): Message {
  return {
    from: "",
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    rejectTerm: 0,
    ...fields,
  };
}
