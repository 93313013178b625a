/**
 * In-process {@link Transport}: members of one {@link MemoryNetwork} deliver
 * batches to each other on a later macrotask (like a real network, never
 * re-entrantly), with the same queue bound and loss rules as TCP. Links can
 * be cut to simulate partitions.
 *
 * @module
 */
import { DEFAULT_MAX_QUEUED_MESSAGES, type MessageHandler, type Transport } from "./transport.ts";
import type { Message, NodeId } from "./types.ts";

/** A set of in-memory transports that can reach each other. */
export class MemoryNetwork {
  #members = new Map<NodeId, MemoryTransport>();
  #cut = new Set<string>();

  /** Creates (and registers) the endpoint of member `id`. */
  transport(id: NodeId, options: { maxQueuedMessages?: number } = {}): MemoryTransport {
    const t = new MemoryTransport(this, id, options.maxQueuedMessages);
    this.#members.set(id, t);
    return t;
  }

  /** Drops traffic between `a` and `b` in both directions until {@link heal}. */
  cut(a: NodeId, b: NodeId): void {
    this.#cut.add(`${a}\0${b}`).add(`${b}\0${a}`);
  }

  /** Restores every cut link. */
  heal(): void {
    this.#cut.clear();
  }

  /** @internal delivery path used by member transports */
  deliver(from: NodeId, to: NodeId, batch: Message[]): void {
    if (this.#cut.has(`${from}\0${to}`)) return;
    this.#members.get(to)?.receive(batch);
  }

  /** @internal */
  leave(id: NodeId, member: MemoryTransport): void {
    if (this.#members.get(id) === member) this.#members.delete(id);
  }
}

/** One member's endpoint on a {@link MemoryNetwork}. */
export class MemoryTransport implements Transport {
  readonly id: NodeId;
  #network: MemoryNetwork;
  #maxQueued: number;
  #handler: MessageHandler | undefined;
  #peers = new Set<NodeId>();
  #queues = new Map<NodeId, Message[]>();
  #flushScheduled = false;
  #closed = false;

  /** Use {@link MemoryNetwork.transport}. */
  constructor(network: MemoryNetwork, id: NodeId, maxQueued = DEFAULT_MAX_QUEUED_MESSAGES) {
    this.#network = network;
    this.id = id;
    this.#maxQueued = maxQueued;
  }

  onMessages(handler: MessageHandler): void {
    this.#handler = handler;
  }

  send(messages: readonly Message[]): void {
    if (this.#closed) return;
    for (const m of messages) {
      if (!this.#peers.has(m.to)) continue;
      let queue = this.#queues.get(m.to);
      if (!queue) this.#queues.set(m.to, queue = []);
      queue.push(m);
      if (queue.length > this.#maxQueued) queue.splice(0, queue.length - this.#maxQueued);
    }
    if (this.#queues.size > 0 && !this.#flushScheduled) {
      this.#flushScheduled = true;
      // setImmediate: a real macrotask hop like a network, without setTimeout(0)'s clamping.
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const queues = this.#queues;
    this.#queues = new Map();
    for (const [to, batch] of queues) {
      // Messages cross the "wire" as copies so sender and receiver never share objects.
      this.#network.deliver(this.id, to, structuredClone(batch));
    }
  }

  /** @internal called by the network */
  receive(batch: Message[]): void {
    if (!this.#closed) this.#handler?.(batch);
  }

  setPeer(id: NodeId, _address: string): void {
    this.#peers.add(id);
  }

  removePeer(id: NodeId): void {
    this.#peers.delete(id);
    this.#queues.delete(id);
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#queues.clear();
    this.#network.leave(this.id, this);
    return Promise.resolve();
  }
}
