/**
 * Pending ReadIndex requests on the leader (Raft dissertation §6.4): each
 * records the commit index when it arrived and is released once a quorum of
 * voters has answered a heartbeat sent after it, proving the leader was still
 * the leader at that moment.
 *
 * @module
 */
import type { NodeId } from "./types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One read waiting for its leadership confirmation. */
export interface ReadRequest {
  /** Monotonic id; heartbeats carry the newest one as their context. */
  seq: number;
  /** Commit index when the request arrived: the read index. */
  index: number;
  context: Uint8Array;
  /** Who asked (the leader itself or a follower that forwarded it). */
  from: NodeId;
  acks: Set<NodeId>;
}

/** Heartbeat context carrying a read sequence number. */
export function encodeReadSeq(seq: number): Uint8Array {
  return encoder.encode(`read:${seq}`);
}

/** The read sequence number in a heartbeat (response) context, if any. */
export function decodeReadSeq(context: Uint8Array | undefined): number | undefined {
  if (!context || context.byteLength === 0) return undefined;
  const text = decoder.decode(context);
  return text.startsWith("read:") ? Number(text.slice(5)) : undefined;
}

/** The queue of reads awaiting a quorum of heartbeat acknowledgements. */
export class ReadOnly {
  #nextSeq = 1;
  #queue: ReadRequest[] = [];

  /** Queues a read at `index`; the leader's own acknowledgement is implicit. */
  add(options: { from: NodeId; context: Uint8Array; index: number; self: NodeId }): number {
    const seq = this.#nextSeq++;
    this.#queue.push({
      seq,
      index: options.index,
      context: options.context,
      from: options.from,
      acks: new Set([options.self]),
    });
    return seq;
  }

  /** Sequence number of the newest pending read, if any. */
  lastSeq(): number | undefined {
    return this.#queue.at(-1)?.seq;
  }

  /**
   * Records that `from` answered a heartbeat carrying `seq` (which confirms
   * every read up to it); returns the reads now confirmed by a quorum, oldest first.
   */
  ack(from: NodeId, seq: number, hasQuorum: (acks: Set<NodeId>) => boolean): ReadRequest[] {
    let released = -1;
    this.#queue.forEach((request, i) => {
      if (request.seq > seq) return;
      request.acks.add(from);
      if (hasQuorum(request.acks)) released = i;
    });
    return released < 0 ? [] : this.#queue.splice(0, released + 1);
  }

  /** Drops every pending read (leadership lost: they can no longer be confirmed). */
  reset(): void {
    this.#queue = [];
  }

  get size(): number {
    return this.#queue.length;
  }
}
