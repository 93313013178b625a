/**
 * How raft members exchange messages. A transport is fire-and-forget: raft
 * tolerates loss, so `send` never blocks and never throws for an unknown,
 * unreachable or slow peer; instead each peer has a bounded queue that drops
 * its OLDEST messages when full (fresh heartbeats and appends are worth more
 * than stale ones). Messages to one peer are delivered in order, batched.
 *
 * Implementations: {@link MemoryTransport} (in-process, real time, for driver
 * tests) and {@link TlsTransport} (TCP with mutual TLS). Both pass one shared
 * suite (`transport_test.ts`).
 *
 * @module
 */
import type { Message, NodeId } from "./types.ts";

/** Receives every inbound batch, in arrival order. */
export type MessageHandler = (messages: Message[]) => void;

/** Default bound of each peer's send queue, in messages. */
export const DEFAULT_MAX_QUEUED_MESSAGES = 4096;

/** A raft member's endpoint (see module doc). */
export interface Transport {
  /** The local member. */
  readonly id: NodeId;
  /** Sets the receiver of inbound batches; batches arriving before this are dropped. */
  onMessages(handler: MessageHandler): void;
  /** Queues each message for its `to` peer (see module doc for the loss rules). */
  send(messages: readonly Message[]): void;
  /** Adds a peer or changes its address (`host:port` for TCP). */
  setPeer(id: NodeId, address: string): void;
  /** Forgets a peer: its queue is dropped and its connection closed. */
  removePeer(id: NodeId): void;
  /** Stops listening and closes every connection; later sends are dropped. */
  close(): Promise<void>;
}
