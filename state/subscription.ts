/**
 * One subscriber of a broker: a bounded queue drained through an async iterator. Offering never
 * blocks and never grows the queue past its capacity.
 *
 * @module
 */
import { resyncEvent, type WatchEvent, WatchEventKind } from "./watch_event.ts";

/** Default per-subscriber queue capacity (rpc.md §5). */
export const defaultQueueSize = 256;

/** Options of one subscription. */
export interface SubscriptionOptions {
  /** Queue capacity (default 256). */
  queueSize?: number;
  /** Only events of this deployment (events without a deployment always pass). */
  deployment?: string;
  /** Closes the subscription when aborted. */
  signal?: AbortSignal;
}

/** A live subscription to one store's events. */
export interface WatchSubscription<T> extends AsyncIterableIterator<WatchEvent<T>> {
  /** False when `sinceRevision` was too old to replay and a RESYNC was queued instead. */
  readonly resumed: boolean;
  /** Events dropped on overflow so far. */
  readonly droppedEvents: number;
  /** Events waiting to be read. */
  readonly queued: number;
  /** Stops delivery; a pending `next()` resolves as done. Idempotent. */
  close(): void;
}

/** Called when a subscriber overflows, with the number of events dropped (log it at WARN). */
export type OverflowHandler = (droppedEvents: number) => void;

/** Broker-side handle of a subscriber. */
export class Subscription<T> implements WatchSubscription<T> {
  #queue: WatchEvent<T>[] = [];
  #capacity: number;
  #deployment: string | undefined;
  #waiter: ((result: IteratorResult<WatchEvent<T>>) => void) | undefined;
  #closed = false;
  #dropped = 0;
  #detach: () => void;
  #onOverflow: OverflowHandler | undefined;
  #signal: AbortSignal | undefined;
  #abort = () => this.close();
  resumed = true;

  constructor(
    options: SubscriptionOptions,
    detach: () => void,
    onOverflow: OverflowHandler | undefined,
  ) {
    this.#capacity = Math.max(1, options.queueSize ?? defaultQueueSize);
    this.#deployment = options.deployment || undefined;
    this.#detach = detach;
    this.#onOverflow = onOverflow;
    this.#signal = options.signal;
    if (this.#signal?.aborted) this.close();
    else this.#signal?.addEventListener("abort", this.#abort, { once: true });
  }

  get droppedEvents(): number {
    return this.#dropped;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Queues an event (or hands it to a waiting reader). When the queue is full, everything queued
   * is dropped and replaced by one RESYNC: the subscriber re-reads the store anyway, so older
   * queued events carry no information, and one RESYNC instead of one per overflowing event
   * keeps a stalled subscriber at a constant cost.
   */
  offer(event: WatchEvent<T>): void {
    if (this.#closed) return;
    if (this.#deployment !== undefined && event.deployment !== undefined) {
      if (event.deployment !== this.#deployment) return;
    }
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter({ value: structuredClone(event), done: false });
      return;
    }
    if (this.#queue.length < this.#capacity) {
      this.#queue.push(event);
      return;
    }
    const dropped =
      [...this.#queue, event].filter((queued) => queued.kind !== WatchEventKind.RESYNC)
        .length;
    this.#dropped += dropped;
    this.#queue = [resyncEvent(event.revision)];
    this.#onOverflow?.(dropped);
  }

  next(): Promise<IteratorResult<WatchEvent<T>>> {
    const head = this.#queue.shift();
    if (head) return Promise.resolve({ value: structuredClone(head), done: false });
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<WatchEvent<T>>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#signal?.removeEventListener("abort", this.#abort);
    this.#detach();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
