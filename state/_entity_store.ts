/**
 * A typed keyed store with its broker. Stored values are never mutated in place (every write
 * stores a new object), so a frozen read can share them with later writes; the map itself is
 * copied on the first write after a frozen read (copy-on-write), making a view O(1) to take.
 *
 * @module
 */
import type { Broker } from "./broker.ts";
import { type WatchEvent, WatchEventKind } from "./watch_event.ts";

/** An immutable read of a store at one point: values in key order. */
export class FrozenStore<T> {
  readonly #map: ReadonlyMap<string, T>;
  readonly #sortedKeys: readonly string[];

  constructor(map: ReadonlyMap<string, T>, sortedKeys: readonly string[]) {
    this.#map = map;
    this.#sortedKeys = sortedKeys;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): T | undefined {
    return this.#map.get(key);
  }

  /** Keys in ascending code-unit order. */
  keys(): readonly string[] {
    return this.#sortedKeys;
  }

  /** Values in key order. */
  *values(): IterableIterator<T> {
    for (const key of this.#sortedKeys) yield this.#map.get(key)!;
  }
}

/** Options of an {@link EntityStore}. */
export interface EntityStoreOptions<T> {
  keyOf: (value: T) => string;
  /** Deployment of a value, for deployment-filtered subscriptions. */
  deploymentOf?: (value: T) => string | undefined;
  broker: Broker<T>;
}

/** Extra fields of a published event. */
export type EventExtras = Pick<WatchEvent<unknown>, "freshnessOnly" | "deployment">;

/** One keyed entity store. */
export class EntityStore<T> {
  readonly broker: Broker<T>;
  readonly keyOf: (value: T) => string;
  #deploymentOf: (value: T) => string | undefined;
  #map = new Map<string, T>();
  #sortedKeys: string[] | undefined;
  #frozen: FrozenStore<T> | undefined;

  constructor(options: EntityStoreOptions<T>) {
    this.broker = options.broker;
    this.keyOf = options.keyOf;
    this.#deploymentOf = options.deploymentOf ?? (() => undefined);
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): T | undefined {
    return this.#map.get(key);
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** Stores `value` (owned by the store from now on) and publishes ADDED or UPDATED. */
  put(value: T, raftIndex: number, extras: EventExtras = {}): void {
    const key = this.keyOf(value);
    const before = this.#map.get(key);
    if (before === undefined) this.#sortedKeys = undefined;
    this.#writable().set(key, value);
    this.broker.publish({
      kind: before === undefined ? WatchEventKind.ADDED : WatchEventKind.UPDATED,
      before,
      after: value,
      raftIndex,
      revision: raftIndex,
      deployment: extras.deployment ?? this.#deploymentOf(value),
      ...(extras.freshnessOnly ? { freshnessOnly: true } : {}),
    });
  }

  /** Deletes a key and publishes REMOVED; a missing key publishes nothing. */
  delete(key: string, raftIndex: number, extras: EventExtras = {}): boolean {
    const before = this.#map.get(key);
    if (before === undefined) return false;
    this.#sortedKeys = undefined;
    this.#writable().delete(key);
    this.broker.publish({
      kind: WatchEventKind.REMOVED,
      before,
      raftIndex,
      revision: raftIndex,
      deployment: extras.deployment ?? this.#deploymentOf(before),
    });
    return true;
  }

  /** Deletes every value matching `predicate`, in key order. */
  deleteWhere(predicate: (value: T) => boolean, raftIndex: number): number {
    let removed = 0;
    for (const value of this.read().values()) {
      if (predicate(value) && this.delete(this.keyOf(value), raftIndex)) removed++;
    }
    return removed;
  }

  /** Replaces the whole content without events (restore publishes one RESYNC instead). */
  replaceAll(values: Iterable<T>): void {
    const map = new Map<string, T>();
    for (const value of values) map.set(this.keyOf(value), value);
    this.#map = map;
    this.#sortedKeys = undefined;
    this.#frozen = undefined;
  }

  /** A consistent immutable read of the current content. */
  read(): FrozenStore<T> {
    if (!this.#frozen) {
      this.#sortedKeys ??= [...this.#map.keys()].sort(compareKeys);
      this.#frozen = new FrozenStore(this.#map, this.#sortedKeys);
    }
    return this.#frozen;
  }

  #writable(): Map<string, T> {
    if (this.#frozen) {
      this.#map = new Map(this.#map);
      this.#frozen = undefined;
    }
    return this.#map;
  }
}

// Code-unit order, identical on every node and every runtime locale.
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
