/**
 * A key-value service on top of the simulated raft cluster: one
 * {@link KvStateMachine} per node (reset by the harness's `restore` on
 * restart, then fed the committed log again), and the calls the simulated clients make
 * (propose a command, ask for a ReadIndex, read a node's store), each routed to
 * the node the client chose.
 *
 * Applied commands and completed ReadIndex requests are fanned out to
 * listeners; answers reach a client only from the node it asked. Entries a
 * restarted node re-applies are announced again: their outputs are the same
 * (the machine is deterministic), so a client still waiting on that node may
 * take its answer from the replay.
 *
 * @module
 */

import {
  ConfChangeType,
  type Entry,
  type NodeId,
  type RaftConfig,
  type ReadState,
} from "../types.ts";
import { SimCluster } from "./cluster.ts";
import { encodeCommand, type KvCommand, KvStateMachine } from "./kv.ts";
import type { KvOutput } from "./linearizability.ts";

/** The outcome of a client call at one node: accepted, or refused with a leader hint. */
export type CallResult = { ok: true } | { ok: false; leader: string };

/** Reacts to what the nodes do. */
export interface KvListener {
  onApplied(node: NodeId, command: KvCommand, output: KvOutput): void;
  onReadState(node: NodeId, context: string, index: number): void;
  onProgress(node: NodeId): void;
}

/** How to build the cluster. */
export interface KvClusterOptions {
  seed: number;
  nodes: NodeId[];
  config?: Partial<RaftConfig>;
  tickMs?: number;
}

/** The simulated cluster with a KV store on every node. */
export class KvCluster {
  /** The underlying harness, for the nemesis and the final checks. */
  readonly raw: SimCluster;
  #machines = new Map<NodeId, KvStateMachine>();
  #listeners: KvListener[] = [];

  constructor(options: KvClusterOptions) {
    this.raw = new SimCluster({
      seed: options.seed,
      nodes: options.nodes,
      config: options.config,
      tickMs: options.tickMs,
      stateMachine: (id) => this.#machineFor(id),
    });
    this.raw.onReadState((id: NodeId, readState: ReadState) => {
      const context = new TextDecoder().decode(readState.context);
      for (const listener of this.#listeners) listener.onReadState(id, context, readState.index);
    });
  }

  /** Current virtual time in ms. */
  get now(): number {
    return this.raw.now;
  }

  /** Runs `fn` at virtual time `atMs`. */
  schedule(atMs: number, fn: () => void): void {
    this.raw.schedule(atMs, fn);
  }

  /** Registers a listener for applies and read states. */
  listen(listener: KvListener): void {
    this.#listeners.push(listener);
  }

  /** Node ids clients may contact: every node the harness runs, members or not yet. */
  members(): NodeId[] {
    return this.raw.members();
  }

  /**
   * Starts node `id` and asks the current leader to add it as a voter.
   * Returns false when there is no leader or it refused (another change is
   * pending); the node still runs and the caller may ask again.
   */
  addVoter(id: NodeId): boolean {
    this.raw.addNode(id);
    const leader = this.raw.leader();
    if (leader === undefined) return false;
    return this.raw.node(leader).proposeConfChange({ type: ConfChangeType.addVoter, node: id }).ok;
  }

  /**
   * Asks the current leader to remove `id` from the configuration; false when
   * there is no leader or it refused. The node keeps running outside the
   * configuration.
   */
  removeMember(id: NodeId): boolean {
    const leader = this.raw.leader();
    if (leader === undefined) return false;
    const change = { type: ConfChangeType.removeNode, node: id };
    return this.raw.node(leader).proposeConfChange(change).ok;
  }

  /** Voters of the configuration the current leader holds (empty when leaderless). */
  voters(): NodeId[] {
    const leader = this.raw.leader();
    return leader === undefined ? [] : [...this.raw.node(leader).status().conf.voters].sort();
  }

  /** Voters and learners of the configuration the current leader holds (all nodes when leaderless). */
  configuredMembers(): NodeId[] {
    const leader = this.raw.leader();
    if (leader === undefined) return this.members();
    const { conf } = this.raw.node(leader).status();
    return [...conf.voters, ...conf.learners].sort();
  }

  /** Proposes a command at `node`. */
  propose(node: NodeId, command: KvCommand): CallResult {
    const result = this.raw.propose(node, encodeCommand(command));
    return result.ok ? { ok: true } : { ok: false, leader: result.leader };
  }

  /** Starts a ReadIndex read at `node`; the answer arrives as a read state with `context`. */
  readIndex(node: NodeId, context: string): CallResult {
    if (!this.raw.isUp(node)) return { ok: false, leader: "" };
    this.raw.readIndex(node, new TextEncoder().encode(context));
    return { ok: true };
  }

  /** Index of the last entry `node`'s store applied. */
  appliedIndex(node: NodeId): number {
    return this.#machines.get(node)?.appliedIndex ?? 0;
  }

  /** `key` as `node`'s store holds it. */
  read(node: NodeId, key: string): string | null {
    return this.#machines.get(node)?.read(key) ?? null;
  }

  /** A canonical rendering of `node`'s store, for the convergence check. */
  fingerprint(node: NodeId): string {
    return this.#machines.get(node)?.fingerprint() ?? "";
  }

  #machineFor(id: NodeId) {
    const machine = new KvStateMachine();
    this.#machines.set(id, machine);
    return {
      apply: (entry: Entry) => {
        const applied = machine.apply(entry);
        for (const listener of this.#listeners) {
          if (applied) listener.onApplied(id, applied.command, applied.output);
          listener.onProgress(id);
        }
      },
      snapshot: () => machine.snapshot(),
      restore: (data: Uint8Array) => {
        machine.restore(data);
        for (const listener of this.#listeners) listener.onProgress(id);
      },
    };
  }
}
