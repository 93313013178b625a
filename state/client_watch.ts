/**
 * The `Watch.Subscribe` stream (rpc.md §1.6, §5): merges the requested stores' events into
 * wire `SubscribeEvent`s, redacted for clients, filtered by deployment, resumable from
 * `since_revision` with a CAUGHT_UP / RESUME_UNAVAILABLE marker once the replay is queued.
 *
 * @module
 */
import {
  EventKind,
  isWatchEntityType,
  JacoError,
  type SubscribeEvent,
  SubscribeMarker_Kind,
  type SubscribeRequest,
  WatchEntityType,
} from "../proto/mod.ts";
import type { WatchSubscription } from "./subscription.ts";
import type { ClusterState } from "./cluster_state.ts";
import { redactForClient } from "./redact.ts";
import type { StoreName, StoreValues } from "./stores.ts";
import type { WatchEvent, WatchEventKind } from "./watch_event.ts";

const wireKinds: Record<WatchEventKind, EventKind> = {
  ADDED: EventKind.EVENT_KIND_ADDED,
  UPDATED: EventKind.EVENT_KIND_UPDATED,
  REMOVED: EventKind.EVENT_KIND_REMOVED,
  RESYNC: EventKind.EVENT_KIND_RESYNC,
};

/**
 * The wire form of an event of a client-visible store (redacted), or undefined for stores never
 * streamed to clients (cluster meta, cert blobs, registry credentials).
 */
export function toSubscribeEvent<N extends StoreName>(
  store: N,
  event: WatchEvent<StoreValues[N]>,
): SubscribeEvent | undefined {
  if (!isWatchEntityType(store)) return undefined;
  const redacted = redactForClient(store, event);
  return {
    payload: {
      $case: WatchEntityType[store],
      value: {
        kind: wireKinds[event.kind],
        before: redacted.before,
        after: redacted.after,
        raftIndex: event.raftIndex,
      },
    },
  } as SubscribeEvent;
}

/**
 * Streams a `Watch.Subscribe` request until `signal` aborts or the consumer stops iterating.
 * Empty `entity_types` means every client-visible store.
 *
 * @throws {JacoError} `validation_failed` for an unknown entity type name (before any event)
 * @example
 * ```ts
 * for await (const event of subscribeClient(state, request, call.signal)) call.write(event);
 * ```
 */
export function subscribeClient(
  state: ClusterState,
  request: SubscribeRequest,
  signal?: AbortSignal,
): AsyncGenerator<SubscribeEvent> {
  for (const name of request.entityTypes) {
    if (!isWatchEntityType(name)) {
      throw new JacoError("validation_failed", `unknown entity type "${name}"`, {
        field: "entity_types",
        value: name,
      });
    }
  }
  const names =
    (request.entityTypes.length > 0
      ? [...new Set(request.entityTypes)]
      : Object.keys(WatchEntityType)) as (StoreName & WatchEntityType)[];
  const subscriptions = names.map((name) =>
    [
      name,
      state.subscribe(name, {
        sinceRevision: request.sinceRevision,
        deployment: request.deploymentFilter,
        signal,
      }),
    ] as const
  );
  return stream(state, request.sinceRevision, subscriptions);
}

async function* stream(
  state: ClusterState,
  sinceRevision: number,
  subscriptions: (readonly [StoreName, WatchSubscription<StoreValues[StoreName]>])[],
): AsyncGenerator<SubscribeEvent> {
  try {
    if (sinceRevision > 0) {
      // The replay sits in each queue already: drain exactly that much, then mark the boundary.
      for (const [name, subscription] of subscriptions) {
        for (let pending = subscription.queued; pending > 0; pending--) {
          const next = await subscription.next();
          if (next.done) break;
          const event = toSubscribeEvent(name, next.value);
          if (event) yield event;
        }
      }
      const resumed = subscriptions.every(([, subscription]) => subscription.resumed);
      yield {
        payload: {
          $case: "marker",
          value: {
            kind: resumed
              ? SubscribeMarker_Kind.KIND_CAUGHT_UP
              : SubscribeMarker_Kind.KIND_RESUME_UNAVAILABLE,
            raftIndex: state.appliedIndex,
          },
        },
      };
    }
    yield* merge(subscriptions);
  } finally {
    for (const [, subscription] of subscriptions) subscription.close();
  }
}

/** Interleaves live events of several subscriptions by arrival. */
async function* merge(
  subscriptions: (readonly [StoreName, WatchSubscription<StoreValues[StoreName]>])[],
): AsyncGenerator<SubscribeEvent> {
  type Pending = Promise<{ index: number; result: IteratorResult<WatchEvent<unknown>> }>;
  const pending = new Map<number, Pending>();
  const arm = (index: number) =>
    pending.set(
      index,
      subscriptions[index][1].next().then((result) => ({ index, result })),
    );
  subscriptions.forEach((_, index) => arm(index));
  while (pending.size > 0) {
    const { index, result } = await Promise.race(pending.values());
    if (result.done) {
      pending.delete(index);
      continue;
    }
    arm(index);
    const event = toSubscribeEvent(
      subscriptions[index][0],
      result.value as WatchEvent<StoreValues[StoreName]>,
    );
    if (event) yield event;
  }
}
