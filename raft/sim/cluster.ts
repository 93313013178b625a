/**
 * A deterministic raft cluster over virtual time: one `RaftNode` per member,
 * an in-memory "disk" per member holding exactly what the node persisted from
 * its `Ready`s, a seeded faulty network, and online safety checks.
 *
 * Time: every `tickMs` (default 10 virtual ms) each live node ticks once;
 * with the default electionTicks 10 and heartbeatTicks 1 that is a 100–200 ms
 * election timeout and a 10 ms heartbeat. Each `Ready` is processed in the
 * documented order: persist → send → apply → advance.
 *
 * Crash and restart: a crash drops the node and its state machine's volatile
 * view; the disk survives. A restart rebuilds the node from its disk via
 * `RestoredState`, calls `stateMachine.restore(snapshot data)` (empty bytes
 * when there is no snapshot, meaning "reset to initial state"), and the node
 * re-delivers committed entries after the snapshot, which are re-applied to
 * the state machine. `onApply` listeners still fire exactly once per node and
 * index, in index order: re-applied entries are not reported again, and
 * entries a node only received inside a snapshot are never reported by it.
 *
 * @module
 */
import { RaftNode } from "../node.ts";
import type {
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  ProposeResult,
  RaftConfig,
  ReadState,
  Snapshot,
} from "../types.ts";
import { EventQueue } from "./_event_queue.ts";
import { SafetyChecker } from "./_safety.ts";
import { type NetworkFaults, SimNetwork } from "./network.ts";
import { Rng } from "./rng.ts";

/** The replicated application as the simulator drives it. */
export interface SimStateMachine {
  /** Applies one committed entry (conf-change entries included). */
  apply(entry: Entry): void;
  /** Serialises the whole state (called when the log is compacted). */
  snapshot(): Uint8Array;
  /** Replaces the state with a snapshot's data; empty bytes mean the initial state. */
  restore(data: Uint8Array): void;
}

/** Options of {@link SimCluster}. */
export interface SimClusterOptions {
  /** Every random decision (network, election timeouts) derives from it. */
  seed: number;
  /** Initial voters (bootstrapped together). */
  nodes: NodeId[];
  /** Overrides of the node config (defaults: electionTicks 10, heartbeatTicks 1). */
  config?: Partial<RaftConfig>;
  /** Builds each member's state machine (default: one that keeps nothing). */
  stateMachine?: (id: NodeId) => SimStateMachine;
  /** Virtual ms per tick (default 10). */
  tickMs?: number;
}

/** What a member persisted: survives crashes. */
export interface SimDisk {
  /** Last persisted term, vote and commit. */
  hardState: HardState;
  /** Latest persisted snapshot (received or made locally). */
  snapshot?: Snapshot;
  /** Persisted entries after the snapshot, contiguous. */
  entries: Entry[];
}

interface Member {
  id: NodeId;
  node: RaftNode | undefined;
  disk: SimDisk;
  bootstrap: ConfState;
  machine: SimStateMachine;
  /** Highest index applied to the state machine since the last (re)start. */
  applied: number;
  /** Highest index reported to onApply listeners, ever. */
  reported: number;
}

/** A state machine that only remembers nothing; the default. */
function nullMachine(): SimStateMachine {
  return { apply() {}, snapshot: () => new Uint8Array(0), restore() {} };
}

/**
 * Work (events run plus `Ready`s handled) allowed at one virtual instant. Virtual time
 * only advances between instants, so a message storm with zero delay would otherwise
 * spin forever; far above what any healthy instant needs (a few thousand).
 */
export const MAX_WORK_PER_INSTANT = 2_000_000;

/** Thrown when one virtual instant exceeds {@link MAX_WORK_PER_INSTANT}: a livelock. */
export class SimLivelockError extends Error {
  constructor(atMs: number) {
    super(`livelock: more than ${MAX_WORK_PER_INSTANT} events at virtual time ${atMs}ms`);
    this.name = "SimLivelockError";
  }
}

/** A seeded, virtual-time raft cluster for tests and the `sim` task. */
export class SimCluster {
  #options: SimClusterOptions;
  #tickMs: number;
  #rng: Rng;
  #network: SimNetwork;
  #queue = new EventQueue();
  #members = new Map<NodeId, Member>();
  #safety = new SafetyChecker();
  #applyListeners: ((id: NodeId, entry: Entry) => void)[] = [];
  #readListeners: ((id: NodeId, readState: ReadState) => void)[] = [];
  #snapshotEvery = 0;
  #messagesSent = 0;
  #rejectedAppends = 0;
  #byType: Record<string, number> = {};
  #now = 0;
  #instantMs = -1;
  #workAtInstant = 0;

  /** Boots `options.nodes` as one cluster; nothing runs until `runFor`/`runUntil`. */
  constructor(options: SimClusterOptions) {
    this.#options = options;
    this.#tickMs = options.tickMs ?? 10;
    this.#rng = new Rng(options.seed);
    this.#network = new SimNetwork(this.#rng.fork("network"));
    const bootstrap = { voters: [...options.nodes].sort(), learners: [] };
    for (const id of options.nodes) this.#addMember(id, bootstrap);
    this.#queue.push(this.#tickMs, () => this.#tickAll());
  }

  /** Virtual time in ms. */
  get now(): number {
    return this.#now;
  }

  #addMember(id: NodeId, bootstrap: ConfState): void {
    const member: Member = {
      id,
      node: undefined,
      disk: { hardState: { term: 0, vote: "", commit: 0 }, entries: [] },
      bootstrap,
      machine: this.#options.stateMachine?.(id) ?? nullMachine(),
      applied: 0,
      reported: 0,
    };
    this.#members.set(id, member);
    this.#start(member);
  }

  #start(member: Member): void {
    const config: RaftConfig = {
      electionTicks: 10,
      heartbeatTicks: 1,
      ...this.#options.config,
      id: member.id,
      random: (() => {
        const rng = this.#rng.fork(`node:${member.id}:${this.#now}`);
        return () => rng.next();
      })(),
    };
    const { disk } = member;
    member.node = new RaftNode(config, {
      hardState: { ...disk.hardState },
      snapshot: disk.snapshot,
      entries: [...disk.entries],
      conf: member.bootstrap,
    });
    member.machine.restore(disk.snapshot?.data ?? new Uint8Array(0));
    member.applied = disk.snapshot?.meta.index ?? 0;
  }

  #tickAll(): void {
    for (const member of this.#members.values()) member.node?.tick();
    this.#queue.push(this.#now + this.#tickMs, () => this.#tickAll());
  }

  /** Runs `fn` at virtual time `atMs` (client events, faults). */
  schedule(atMs: number, fn: () => void): void {
    this.#queue.push(Math.max(atMs, this.#now), fn);
  }

  /** Advances virtual time by `ms`, running every event due. */
  runFor(ms: number): void {
    this.runUntil(() => false, ms);
  }

  /** Runs until `pred()` holds (checked after each event) or `maxMs` pass; returns whether it held. */
  runUntil(pred: () => boolean, maxMs: number): boolean {
    const end = this.#now + maxMs;
    this.#flush();
    if (pred()) return true;
    for (;;) {
      const at = this.#queue.peekTime();
      if (at === undefined || at > end) break;
      const event = this.#queue.pop()!;
      this.#now = event.atMs;
      this.#chargeWork();
      event.run();
      this.#flush();
      if (pred()) return true;
    }
    this.#now = end;
    return false;
  }

  /** Counts one unit of work at the current instant; throws {@link SimLivelockError} past the cap. */
  #chargeWork(): void {
    if (this.#now !== this.#instantMs) {
      this.#instantMs = this.#now;
      this.#workAtInstant = 0;
    }
    if (++this.#workAtInstant > MAX_WORK_PER_INSTANT) throw new SimLivelockError(this.#now);
  }

  /** Processes every pending `Ready` until the cluster is quiescent at this instant. */
  #flush(): void {
    let busy = true;
    while (busy) {
      busy = false;
      for (const member of this.#members.values()) {
        while (member.node?.hasReady()) {
          this.#chargeWork();
          this.#handleReady(member, member.node);
          busy = true;
        }
      }
    }
  }

  #handleReady(member: Member, node: RaftNode): void {
    const rd = node.ready();
    const disk = member.disk;
    // 1. persist
    if (rd.snapshot) {
      disk.snapshot = rd.snapshot;
      disk.entries = disk.entries.filter((e) => e.index > rd.snapshot!.meta.index);
    }
    if (rd.entries.length > 0) {
      // Disk entries are contiguous: drop the suffix the new entries overwrite, then append.
      const offset = disk.entries.length > 0 ? disk.entries[0].index : rd.entries[0].index;
      disk.entries.length = Math.max(
        0,
        Math.min(disk.entries.length, rd.entries[0].index - offset),
      );
      for (const entry of rd.entries) disk.entries.push(entry);
    }
    if (rd.hardState) disk.hardState = { ...rd.hardState };
    if (rd.softState?.role === "leader") {
      const term = node.status().term;
      this.#safety.leaderElected(member.id, term);
      this.#safety.leaderComplete(member.id, term, disk);
    }
    // 2. send
    for (const m of rd.messages) this.#send(m);
    // 3. apply
    if (rd.snapshot) {
      member.machine.restore(rd.snapshot.data);
      member.applied = rd.snapshot.meta.index;
    }
    for (const entry of rd.committedEntries) {
      this.#safety.applied(member.id, entry, member.applied);
      member.machine.apply(entry);
      member.applied = entry.index;
      if (entry.index > member.reported) {
        member.reported = entry.index;
        for (const listener of this.#applyListeners) listener(member.id, entry);
      }
    }
    for (const readState of rd.readStates) {
      for (const listener of this.#readListeners) listener(member.id, readState);
    }
    // 4. advance
    node.advance(rd);
    const snapshotIndex = disk.snapshot?.meta.index ?? 0;
    if (this.#snapshotEvery > 0 && member.applied - snapshotIndex >= this.#snapshotEvery) {
      const snapshot = node.compact(member.applied, member.machine.snapshot());
      disk.snapshot = snapshot;
      disk.entries = disk.entries.filter((e) => e.index > snapshot.meta.index);
    }
  }

  #send(m: Message): void {
    this.#messagesSent++;
    this.#byType[m.type] = (this.#byType[m.type] ?? 0) + 1;
    if (m.type === "append_resp" && m.reject) this.#rejectedAppends++;
    for (const at of this.#network.deliveryTimes(m, this.#now)) {
      this.#queue.push(at, () => {
        // Partitions also cut messages already in flight.
        if (!this.#network.connected(m.from, m.to)) return;
        this.#members.get(m.to)?.node?.step(m);
      });
    }
  }

  /** A live node that believes it leads, in the highest term among such nodes. */
  leader(): NodeId | undefined {
    let best: { id: NodeId; term: number } | undefined;
    for (const member of this.#members.values()) {
      const status = member.node?.status();
      if (status?.role === "leader" && (!best || status.term > best.term)) {
        best = { id: member.id, term: status.term };
      }
    }
    return best?.id;
  }

  /**
   * The live `RaftNode` of `id`.
   *
   * @throws {Error} when `id` is unknown or crashed.
   */
  node(id: NodeId): RaftNode {
    const node = this.#members.get(id)?.node;
    if (!node) throw new Error(`sim node ${id} is unknown or crashed`);
    return node;
  }

  /** Every member id (live or crashed), in insertion order. */
  members(): NodeId[] {
    return [...this.#members.keys()];
  }

  /** Whether `id` is running. */
  isUp(id: NodeId): boolean {
    return this.#members.get(id)?.node !== undefined;
  }

  /** Highest index `id`'s state machine applied since its last start. */
  appliedIndex(id: NodeId): number {
    return this.#members.get(id)?.applied ?? 0;
  }

  /** What `id` persisted (read-only view for tests). */
  disk(id: NodeId): Readonly<SimDisk> {
    const member = this.#members.get(id);
    if (!member) throw new Error(`sim node ${id} is unknown`);
    return member.disk;
  }

  /** Proposes on `id`; a crashed node refuses like a follower with no leader. */
  propose(id: NodeId, data: Uint8Array): ProposeResult {
    const node = this.#members.get(id)?.node;
    if (!node) return { ok: false, reason: "not_leader", leader: "" };
    const result = node.propose(data);
    this.#flush();
    return result;
  }

  /** Requests a ReadIndex on `id` (answers reach `onReadState` listeners). */
  readIndex(id: NodeId, context: Uint8Array): void {
    this.#members.get(id)?.node?.readIndex(context);
    this.#flush();
  }

  /** Registers a listener called once per node per applied entry, in index order. */
  onApply(listener: (id: NodeId, entry: Entry) => void): void {
    this.#applyListeners.push(listener);
  }

  /** Registers a listener for completed ReadIndex requests. */
  onReadState(listener: (id: NodeId, readState: ReadState) => void): void {
    this.#readListeners.push(listener);
  }

  /** Splits the network into groups; unlisted nodes are isolated. */
  partition(groups: NodeId[][]): void {
    this.#network.partition(groups);
  }

  /** Heals every partition. */
  heal(): void {
    this.#network.heal();
  }

  /** Changes network faults (drop, duplicate, delay, reorder). */
  setFaults(faults: Partial<NetworkFaults>): void {
    this.#network.setFaults(faults);
  }

  /** Stops `id`, losing everything it had not persisted. */
  crash(id: NodeId): void {
    const member = this.#members.get(id);
    if (member) member.node = undefined;
  }

  /** Restarts a crashed `id` from its disk. */
  restart(id: NodeId): void {
    const member = this.#members.get(id);
    if (!member || member.node) return;
    this.#start(member);
    this.#flush();
  }

  /** Adds a fresh, empty member (not yet in the configuration: propose a conf change). */
  addNode(id: NodeId): void {
    if (this.#members.has(id)) return;
    this.#addMember(id, { voters: [], learners: [] });
  }

  /** Makes every node snapshot and compact its log every `entries` applied entries (0 = never). */
  snapshotEvery(entries: number): void {
    this.#snapshotEvery = entries;
  }

  /**
   * Invariant violations (empty when safe): at most one leader per term,
   * every index applied with the same entry everywhere and in order, each
   * new leader's disk holding every entry applied anywhere, and Log Matching
   * across the persisted logs right now.
   */
  checkSafety(): string[] {
    const disks = new Map([...this.#members].map(([id, member]) => [id, member.disk]));
    return [...this.#safety.violations, ...this.#safety.logMatching(disks)];
  }

  /** Message counts since the start (`rejectedAppends`: append responses that refused). */
  stats(): { messagesSent: number; byType: Record<string, number>; rejectedAppends: number } {
    return {
      messagesSent: this.#messagesSent,
      byType: { ...this.#byType },
      rejectedAppends: this.#rejectedAppends,
    };
  }
}
