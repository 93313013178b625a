/**
 * The replicated state machine (rpc.md §2–§5, architecture.md §5): decodes each committed
 * `Command` and applies it deterministically to the typed stores — no clock, randomness or I/O;
 * every time comes from `Command.ts` — appends the audit events and publishes watch events.
 *
 * Raft adapter (the daemon's glue): `apply(entry) → state.apply(entry.data, entry.index)`,
 * `snapshot() → state.snapshot()`, `restore(s) → state.restore(s.data, s.meta.index)`.
 *
 * @module
 */
import { Command } from "../proto/mod.ts";
import { ApplyContext, type HandlerResult } from "./_apply_context.ts";
import { clusterHandlers } from "./_apply_cluster.ts";
import { certHandlers, expireChallengeTokens } from "./_apply_certs.ts";
import { deploymentHandlers } from "./_apply_deployments.ts";
import { replicaHandlers } from "./_apply_replicas.ts";
import type { Handlers, PayloadCase } from "./_handlers.ts";
import { decodeSnapshot, encodeSnapshot, loadSnapshot } from "./snapshot_codec.ts";
import type { AuditRetention } from "./audit_log.ts";
import { type ApplyOutcome, ApplyStatus } from "./apply_outcome.ts";
import type { SubscribeOptions } from "./broker.ts";
import type { WatchSubscription } from "./subscription.ts";
import { type StoreName, Stores, type StoreValues } from "./stores.ts";
import { StateView } from "./state_view.ts";

/** Default number of earlier revisions kept per deployment for rollback. */
export const defaultRevisionHistory = 10;

/** Options of a {@link ClusterState}. Every node of a cluster must use the same values. */
export interface ClusterStateOptions {
  /** Earlier revisions kept per deployment (default 10; 0 = none, rollback moves markers only). */
  revisionHistory?: number;
  /** Audit log retention (default: newest 10 000 events, at most 90 days old). */
  auditRetention?: AuditRetention;
  /** Events each broker keeps so subscribers can resume (default 1024). */
  historySize?: number;
  /** Told when a subscriber overflows (log it at WARN). */
  onOverflow?: (store: string, droppedEvents: number) => void;
}

/** Raised when the caller breaks the apply contract (an index that does not advance). */
export class ApplyOrderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ApplyOrderError";
  }
}

const handlers: Handlers<Exclude<PayloadCase, "batch">> = {
  ...clusterHandlers,
  ...deploymentHandlers,
  ...replicaHandlers,
  ...certHandlers,
};

/**
 * The cluster's replicated state.
 *
 * @example
 * ```ts
 * const state = new ClusterState();
 * const outcome = state.apply(Command.encode(command).finish(), 7);
 * const nodes = state.view().nodes();
 * for await (const event of state.subscribe("deployments", { signal })) react(event);
 * ```
 */
export class ClusterState {
  #stores: Stores;
  #appliedIndex = 0;
  #revisionHistory: number;

  constructor(options: ClusterStateOptions = {}) {
    this.#revisionHistory = Math.max(0, options.revisionHistory ?? defaultRevisionHistory);
    this.#stores = new Stores({
      auditRetention: options.auditRetention,
      historySize: options.historySize,
      onOverflow: options.onOverflow,
    });
  }

  /** Index of the last applied entry (or of the restored snapshot). */
  get appliedIndex(): number {
    return this.#appliedIndex;
  }

  /**
   * Applies one committed raft entry. Bytes that are not a `Command` change nothing and return
   * status `undecodable`; empty or unknown payloads return `ignored`.
   *
   * @throws {ApplyOrderError} when `raftIndex` does not exceed the last applied index
   */
  apply(commandBytes: Uint8Array, raftIndex: number): ApplyOutcome {
    let command: Command;
    try {
      command = Command.decode(commandBytes);
    } catch (error) {
      this.#advance(raftIndex);
      return { status: ApplyStatus.undecodable, raftIndex, reason: (error as Error).message };
    }
    return this.applyCommand(command, raftIndex);
  }

  /**
   * Applies an already decoded command (what {@link apply} does after decoding). The command
   * is owned by the state afterwards: the caller must not mutate it.
   *
   * @throws {ApplyOrderError} when `raftIndex` does not exceed the last applied index
   */
  applyCommand(command: Command, raftIndex: number): ApplyOutcome {
    this.#advance(raftIndex);
    const context = new ApplyContext({
      stores: this.#stores,
      raftIndex,
      ts: command.ts,
      identity: command.identity,
      revisionHistory: this.#revisionHistory,
    });
    const outcome = applyPayload(context, command);
    // Time-based retention runs on every entry, judged by its ts, identically on every node.
    this.#stores.audit.compact(command.ts, raftIndex);
    expireChallengeTokens(context);
    return outcome;
  }

  /** The whole state as `FSMSnapshot` bytes, byte-identical for identical states. */
  snapshot(): Uint8Array {
    return encodeSnapshot(this.#stores);
  }

  /**
   * Replaces the whole state with a snapshot taken at `raftIndex`, then publishes one RESYNC on
   * every broker (subscribers re-read the stores; no resume reaches across a restore). Revisions
   * restart at `raftIndex`, so the next apply must use a larger index.
   *
   * @throws {SnapshotDecodeError} when the bytes are not an `FSMSnapshot` (state unchanged)
   */
  restore(bytes: Uint8Array, raftIndex = 0): void {
    const snapshot = decodeSnapshot(bytes);
    loadSnapshot(this.#stores, snapshot);
    this.#appliedIndex = raftIndex;
    for (const broker of Object.values(this.#stores.brokers)) broker.resync(raftIndex);
  }

  /** A consistent read-only view of the state at the current applied index. */
  view(): StateView {
    return new StateView(this.#stores, this.#appliedIndex);
  }

  /**
   * Subscribes to one store's events (in-process consumers; clients go through
   * `subscribeClient`, which redacts secrets).
   */
  subscribe<N extends StoreName>(
    store: N,
    options: SubscribeOptions = {},
  ): WatchSubscription<StoreValues[N]> {
    return this.#stores.brokers[store].subscribe({
      ...options,
      headRevision: this.#appliedIndex,
    }) as WatchSubscription<StoreValues[N]>;
  }

  /** Current revision of a store's broker (raft index of its last event). */
  revision(store: StoreName): number {
    return this.#stores.brokers[store].revision;
  }

  #advance(raftIndex: number): void {
    if (raftIndex <= this.#appliedIndex) {
      throw new ApplyOrderError(
        `raft index ${raftIndex} does not advance past applied index ${this.#appliedIndex}`,
      );
    }
    this.#appliedIndex = raftIndex;
  }
}

/** Applies a command's payload (recursing into batches at the same index). */
function applyPayload(context: ApplyContext, command: Command): ApplyOutcome {
  const { raftIndex } = context;
  const payload = command.payload;
  if (!payload) return { status: ApplyStatus.ignored, raftIndex, reason: "empty_payload" };
  if (payload.$case === "batch") {
    // Children's envelopes are ignored: the parent's index, ts and identity apply to all.
    const children = payload.value.children.map((child) => applyPayload(context, child));
    return { status: ApplyStatus.applied, raftIndex, payload: payload.$case, children };
  }
  const handler = handlers[payload.$case] as
    | ((context: ApplyContext, value: unknown) => HandlerResult)
    | undefined;
  if (!handler) {
    return { status: ApplyStatus.ignored, raftIndex, payload: payload.$case, reason: "unknown" };
  }
  const result = handler(context, payload.value);
  if (result && "ignored" in result) {
    return {
      status: ApplyStatus.ignored,
      raftIndex,
      payload: payload.$case,
      reason: result.ignored,
    };
  }
  if (result && "rejected" in result) {
    return {
      status: ApplyStatus.rejected,
      raftIndex,
      payload: payload.$case,
      reason: result.rejected,
    };
  }
  return { status: ApplyStatus.applied, raftIndex, payload: payload.$case };
}
