/**
 * `RaftDriver`: runs a {@link RaftNode} against real time, durable
 * `Storage`, a `Transport` and the application's `StateMachine`, following the Ready contract (persist → send → apply
 * → advance).
 *
 * Timing (defaults, architecture §6): one tick every 50 ms; heartbeat every
 * 2 ticks (100 ms); election timeout 20 ticks (1 s), randomized by the core
 * into [1 s, 2 s). Proposals, inbound messages and ticks only mark the node
 * dirty; the Ready loop runs on a later macrotask, so everything that arrived
 * meanwhile (and everything arriving while a Ready is persisted) lands in ONE
 * Ready and ONE storage transaction: group commit.
 *
 * One refinement of the order, as in etcd: committed entries that an EARLIER
 * Ready already made durable here are applied while this Ready's entries are
 * being fsynced; committed entries not yet durable here (a sole voter commits
 * what it has just appended) are applied only after the fsync, then messages
 * go out. Nothing is applied or acknowledged before it is durable locally.
 *
 * Every `snapshotEntries` applied entries (default 8192) the driver asks the
 * application for a snapshot, hands it to the core's `compact` and to storage.
 * A snapshot received from the leader is given to the application's `restore`.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { JacoError } from "../proto/errors.ts";
import { coalesceMessages } from "./_coalesce.ts";
import { decodeConfChange } from "./_conf.ts";
import { type Applied, Waiters } from "./_waiters.ts";
import {
  type LeaderChange,
  type RaftDriverOptions,
  resolveDriverOptions,
  type Settings,
} from "./driver_options.ts";
import { RaftNode } from "./node.ts";
import {
  type ConfChange,
  ConfChangeType,
  type Entry,
  EntryType,
  type NodeId,
  type ProposeResult,
  type RaftStatus,
  type Ready,
} from "./types.ts";

export type { Applied };
export type { LeaderChange, RaftDriverOptions, StateMachine } from "./driver_options.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A running raft member (see module doc). */
export class RaftDriver {
  #o: Settings;
  #node: RaftNode;
  #waiters = new Waiters();
  #listeners = new Set<(change: LeaderChange) => void>();
  #timer: ReturnType<typeof setInterval>;
  #scheduled = false;
  #running: Promise<void> | undefined;
  #applied = 0;
  /** Every entry up to here is durable in local storage. */
  #durableIndex: number;
  #snapshotIndex = 0;
  #readSeq = 0;
  /** A local snapshot being written to storage, if any. */
  #snapshotWrite: Promise<void> | undefined;
  #closed = false;
  #failure: Error | undefined;

  private constructor(o: Settings, node: RaftNode, snapshotIndex: number) {
    this.#o = o;
    this.#durableIndex = node.status().lastIndex;
    this.#node = node;
    this.#applied = snapshotIndex;
    this.#snapshotIndex = snapshotIndex;
    o.transport.onMessages((batch) => {
      for (const m of batch) this.#node.step(m);
      this.#schedule();
    });
    this.#timer = setInterval(() => this.#tick(), o.tickMs);
  }

  /**
   * Loads storage (bootstrapping it when empty), restores the application from
   * the latest snapshot and starts ticking.
   * @throws {StorageCorruptError} when stored state cannot be restored
   */
  static async start(options: RaftDriverOptions): Promise<RaftDriver> {
    const o = resolveDriverOptions(options);
    if (options.bootstrap) await o.storage.bootstrap(options.bootstrap);
    const restored = await o.storage.load();
    if (restored.snapshot) await o.stateMachine.restore(restored.snapshot);
    for (const [id, address] of Object.entries(options.peers ?? {})) {
      if (id !== o.id) o.transport.setPeer(id, address);
    }
    const node = new RaftNode({
      id: o.id,
      electionTicks: o.electionTicks,
      heartbeatTicks: o.heartbeatTicks,
      random: o.random,
    }, restored);
    const driver = new RaftDriver(o, node, restored.snapshot?.meta.index ?? 0);
    const { voters } = node.status().conf;
    // A sole voter has nobody to wait for: skip the election timeout (restarts matter here).
    if (voters.length === 1 && voters[0] === o.id) {
      node.campaign();
      driver.#schedule();
    }
    return driver;
  }

  /**
   * Proposes `data`; resolves once the entry is applied locally.
   * @throws {JacoError} `no_leader` when this member is not the leader,
   *   `raft_apply_failed` when the entry is superseded or not applied in time
   */
  propose(data: Uint8Array): Promise<Applied> {
    return this.#await(this.#node.propose(data), "no_leader");
  }

  /**
   * Linearizable read barrier: resolves with an index once this member has
   * applied it and the leader confirmed it is still the leader.
   * @throws {JacoError} `no_leader` when no leader confirms in time
   */
  readIndex(): Promise<number> {
    this.#assertOpen();
    const key = String(++this.#readSeq);
    const done = this.#waiters.read(key, this.#o.now() + this.#o.applyTimeoutMs);
    this.#node.readIndex(encoder.encode(key));
    this.#schedule();
    return done;
  }

  /** Adds `id` as a learner (non-voter) reachable at `address`. */
  addLearner(id: NodeId, address: string): Promise<Applied> {
    return this.#confChange(
      { type: ConfChangeType.addLearner, node: id, context: encoder.encode(address) },
      "raft_add_voter_failed",
    );
  }

  /** Promotes learner `id` to voter. */
  promote(id: NodeId): Promise<Applied> {
    return this.#confChange({ type: ConfChangeType.addVoter, node: id }, "raft_add_voter_failed");
  }

  /** Removes `id` from the membership. */
  remove(id: NodeId): Promise<Applied> {
    return this.#confChange({ type: ConfChangeType.removeNode, node: id }, "raft_remove_failed");
  }

  /** Asks the leader to hand leadership to `to` (fire and forget; watch leader changes). */
  transferLeadership(to: NodeId): void {
    this.#assertOpen();
    this.#node.transferLeadership(to);
    this.#schedule();
  }

  /**
   * A read-only view of the member; on the leader `lastContactMs` says how long ago each other
   * member was last heard from (tick granularity).
   */
  status(): RaftStatus {
    const status: RaftStatus = { ...this.#node.status(), applied: this.#applied };
    if (status.peerContactTicks) {
      const contactMs: Record<string, number> = {};
      for (const [id, ticks] of Object.entries(status.peerContactTicks)) {
        contactMs[id] = ticks * this.#o.tickMs;
      }
      status.lastContactMs = contactMs;
    }
    return status;
  }

  /** Subscribes to role/leader changes; returns the unsubscribe function. */
  onLeaderChange(listener: (change: LeaderChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops ticking, fails pending calls, waits for the Ready loop, closes transport and storage. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#running;
    await this.#snapshotWrite;
    await this.#o.transport.close();
    await this.#o.storage.close();
    this.#waiters.rejectAll(new JacoError("raft_unavailable", "raft driver is closed"));
  }

  #confChange(change: ConfChange, code: "raft_add_voter_failed" | "raft_remove_failed") {
    return this.#await(this.#node.proposeConfChange(change), code);
  }

  #await(
    result: ProposeResult,
    code: "no_leader" | "raft_add_voter_failed" | "raft_remove_failed",
  ) {
    this.#assertOpen();
    if (!result.ok) {
      const why = result.reason === "not_leader"
        ? "this member is not the raft leader"
        : result.reason.replaceAll("_", " ");
      return Promise.reject(
        new JacoError(code, why, { leader: result.leader, reason: result.reason }),
      );
    }
    const done = this.#waiters.proposal(
      result.index,
      result.term,
      this.#o.now() + this.#o.applyTimeoutMs,
    );
    this.#schedule();
    return done;
  }

  #assertOpen(): void {
    if (this.#closed) throw new JacoError("raft_unavailable", "raft driver is closed");
    if (this.#failure) {
      throw new JacoError("raft_unavailable", `raft driver stopped: ${this.#failure.message}`);
    }
  }

  #tick(): void {
    this.#node.tick();
    this.#waiters.expire(this.#o.now());
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed || this.#failure) return;
    this.#scheduled = true;
    // A macrotask, not a microtask, so every pending socket/HTTP callback adds to this Ready;
    // setImmediate because chained setTimeout(0) is clamped to ~4 ms per hop.
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#running || this.#closed) return;
      this.#running = this.#loop().catch((err) => this.#fail(err)).finally(() => {
        this.#running = undefined;
        if (this.#node.hasReady()) this.#schedule();
      });
    });
  }

  async #loop(): Promise<void> {
    while (!this.#closed && this.#node.hasReady()) {
      const ready = this.#node.ready();
      await this.#handle(ready);
      this.#node.advance(ready);
      await this.#maybeSnapshot();
    }
  }

  async #handle(ready: Ready): Promise<void> {
    const { storage, transport, stateMachine } = this.#o;
    let persisted: Promise<void> | undefined;
    // A received snapshot and a local one must not write snapshot files at the same time.
    if (ready.snapshot) await this.#snapshotWrite;
    if (ready.snapshot || ready.hardState || ready.entries.length > 0) {
      persisted = storage.persist({
        hardState: ready.hardState,
        entries: ready.entries,
        snapshot: ready.snapshot,
      });
      // Awaited below; this only keeps a failure during the early apply from going unhandled.
      persisted.catch(() => undefined);
    }
    // Committed entries that earlier Readies already made durable are applied while this
    // Ready's fsync runs (as etcd does); only those still in flight wait for it.
    const early = ready.snapshot
      ? 0
      : ready.committedEntries.findIndex((e) => e.index > this.#durableIndex);
    const split = early === -1 ? ready.committedEntries.length : early;
    await this.#apply(ready.committedEntries.slice(0, split));
    await persisted;
    const last = ready.entries.at(-1);
    if (last) this.#durableIndex = last.index;
    if (ready.snapshot) {
      this.#durableIndex = Math.max(last?.index ?? 0, ready.snapshot.meta.index);
    }
    if (ready.messages.length > 0) transport.send(coalesceMessages(ready.messages));
    if (ready.snapshot) {
      await stateMachine.restore(ready.snapshot);
      this.#applied = this.#snapshotIndex = ready.snapshot.meta.index;
      this.#waiters.snapshotInstalled(ready.snapshot.meta.index);
    }
    await this.#apply(ready.committedEntries.slice(split));
    for (const rs of ready.readStates) {
      this.#waiters.readGranted(decoder.decode(rs.context), rs.index);
    }
    this.#waiters.appliedUpTo(this.#applied);
    if (ready.softState) {
      const change = { ...ready.softState, term: this.#node.status().term };
      for (const listener of this.#listeners) listener(change);
    }
  }

  async #apply(entries: readonly Entry[]): Promise<void> {
    for (const entry of entries) {
      let result: unknown;
      if (entry.type === EntryType.confChange) this.#onConfChange(entry);
      else if (entry.data.length > 0) {
        result = this.#o.stateMachine.apply(entry);
        if (result instanceof Promise) result = await result;
      }
      this.#applied = entry.index;
      this.#waiters.applied(entry.index, entry.term, result);
    }
  }

  #onConfChange(entry: Entry): void {
    const change = decodeConfChange(entry.data);
    if (change.node === this.#o.id) return;
    if (change.type === ConfChangeType.removeNode) this.#o.transport.removePeer(change.node);
    else if (change.context && change.context.length > 0) {
      this.#o.transport.setPeer(change.node, decoder.decode(change.context));
    }
  }

  #maybeSnapshot(): Promise<void> | void {
    if (this.#snapshotWrite) return;
    if (this.#applied - this.#snapshotIndex < this.#o.snapshotEntries) return;
    return this.#snapshot();
  }

  async #snapshot(): Promise<void> {
    const index = this.#applied;
    const data = await this.#o.stateMachine.snapshot();
    const snapshot = this.#node.compact(index, data);
    this.#snapshotIndex = index;
    // Written in the background: the file and the log compaction only concern entries that
    // are already applied, so the Ready loop (and commit latency) need not wait for them.
    this.#snapshotWrite = this.#o.storage.saveSnapshot(snapshot)
      .catch((err) => this.#fail(err))
      .finally(() => this.#snapshotWrite = undefined);
  }

  #fail(err: Error): void {
    // Storage or state machine failed: continuing could ack what is not durable, so stop.
    this.#failure = err;
    clearInterval(this.#timer);
    this.#waiters.rejectAll(
      new JacoError("raft_unavailable", `raft driver stopped: ${err.message}`),
    );
  }
}
