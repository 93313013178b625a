/**
 * The in-process event broker of one store (rpc.md §5): publishing never blocks the FSM, each
 * subscriber has its own bounded queue, and a bounded history ring lets a subscriber resume from
 * a revision instead of re-reading the store (gap fix: the reference ignores `since_revision`).
 *
 * @module
 */
import { Subscription, type SubscriptionOptions, type WatchSubscription } from "./subscription.ts";
import { resyncEvent, type WatchEvent } from "./watch_event.ts";

/** Default number of events a broker keeps for resuming subscribers. */
export const defaultHistorySize = 1024;

/** Options of a {@link Broker}. */
export interface BrokerOptions {
  /** Events kept for resume (default 1024). */
  historySize?: number;
  /** Told the store name and the drop count whenever a subscriber overflows. */
  onOverflow?: (store: string, droppedEvents: number) => void;
}

/** Options of {@link Broker.subscribe}. */
export interface SubscribeOptions extends SubscriptionOptions {
  /**
   * Resume after this revision: retained events with a larger revision are queued first. When
   * the history no longer reaches back that far the first event is a RESYNC (and the
   * subscription's `resumed` is false), and likewise when it is ahead of `headRevision`.
   * 0 or absent = live events only.
   */
  sinceRevision?: number;
  /**
   * Latest revision the caller's state has reached (default: this broker's last revision); a
   * `sinceRevision` beyond it comes from a state this one has not seen and cannot be resumed.
   */
  headRevision?: number;
}

/** Fan-out of one store's events to its subscribers. */
export class Broker<T> {
  readonly name: string;
  #history: WatchEvent<T>[] = [];
  #historySize: number;
  // Highest revision some of whose events are no longer in #history.
  #evictedThrough = 0;
  #revision = 0;
  #subscribers = new Set<Subscription<T>>();
  #onOverflow: BrokerOptions["onOverflow"];

  constructor(name: string, options: BrokerOptions = {}) {
    this.name = name;
    this.#historySize = Math.max(0, options.historySize ?? defaultHistorySize);
    this.#onOverflow = options.onOverflow;
  }

  /** Revision of the last published event (0 before any). */
  get revision(): number {
    return this.#revision;
  }

  /** Number of live subscribers. */
  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /**
   * Publishes an event to every subscriber and the history ring. The event must not be mutated
   * afterwards; subscribers receive copies.
   *
   * @throws {RangeError} when the revision is lower than the last published one
   */
  publish(event: WatchEvent<T>): void {
    if (event.revision < this.#revision) {
      throw new RangeError(
        `broker ${this.name}: revision ${event.revision} is below ${this.#revision}`,
      );
    }
    this.#revision = event.revision;
    if (this.#historySize > 0) {
      this.#history.push(event);
      if (this.#history.length > this.#historySize) {
        this.#evictedThrough = this.#history.shift()!.revision;
      }
    } else {
      this.#evictedThrough = event.revision;
    }
    for (const subscriber of this.#subscribers) subscriber.offer(event);
  }

  /**
   * Tells every subscriber to re-read the store (after a snapshot restore) and forgets the
   * history, so no later resume can replay across the discontinuity. The revision restarts at
   * `revision` (the restore index), which may be lower than before.
   */
  resync(revision: number): void {
    this.#revision = revision;
    this.#history = [];
    this.#evictedThrough = this.#revision;
    const event = resyncEvent<T>(this.#revision);
    for (const subscriber of this.#subscribers) subscriber.offer(event);
  }

  /**
   * Subscribes to events published from now on, after first replaying retained events newer
   * than `sinceRevision` (or a RESYNC when they are no longer retained).
   *
   * @example
   * ```ts
   * const subscription = broker.subscribe({ sinceRevision: lastSeen, signal });
   * for await (const event of subscription) handle(event);
   * ```
   */
  subscribe(options: SubscribeOptions = {}): WatchSubscription<T> {
    const onOverflow = this.#onOverflow;
    // A subscription whose signal is already aborted closes (detaches) inside its constructor.
    let created: Subscription<T> | undefined;
    const subscription = created = new Subscription<T>(
      options,
      () => created && this.#subscribers.delete(created),
      onOverflow ? (dropped) => onOverflow(this.name, dropped) : undefined,
    );
    const since = options.sinceRevision ?? 0;
    const head = options.headRevision ?? this.#revision;
    if (since > head) {
      subscription.resumed = false;
      subscription.offer(resyncEvent(this.#revision));
    } else if (since > 0 && since < this.#revision) {
      if (since >= this.#evictedThrough) {
        for (const event of this.#history) {
          if (event.revision > since) subscription.offer(event);
        }
        // A replay larger than the queue overflowed into a RESYNC: not a resume after all.
        if (subscription.droppedEvents > 0) subscription.resumed = false;
      } else {
        subscription.resumed = false;
        subscription.offer(resyncEvent(this.#revision));
      }
    }
    if (!options.signal?.aborted) this.#subscribers.add(subscription);
    return subscription;
  }
}
