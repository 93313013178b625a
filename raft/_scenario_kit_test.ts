/**
 * Shared helpers of the raft scenario tests (the `_test` suffix keeps them out
 * of the library): a recording state machine, 6.824-style `one()` agreement,
 * and per-seed test registration.
 *
 * @module
 */
import assert from "node:assert/strict";
import { SimCluster, type SimClusterOptions, type SimStateMachine } from "./sim/cluster.ts";
import type { Entry, NodeId } from "./types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Seeds every scenario runs over. */
export const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

/** UTF-8 bytes of `text`. */
export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Registers one Deno.test that runs `body` for every seed and checks safety after each. */
export function scenario(name: string, body: (seed: number) => SimCluster, seeds = SEEDS): void {
  Deno.test(name, () => {
    for (const seed of seeds) {
      let cluster: SimCluster;
      try {
        cluster = body(seed);
      } catch (error) {
        throw new Error(`seed ${seed}: ${(error as Error).message}`, { cause: error });
      }
      assert.deepEqual(cluster.checkSafety(), [], `seed ${seed}: safety violations`);
    }
  });
}

/** A state machine recording the commands it applied (snapshot = the whole list). */
export class RecordingMachine implements SimStateMachine {
  commands: string[] = [];
  apply(entry: Entry): void {
    if (entry.type === "normal" && entry.data.byteLength > 0) {
      this.commands.push(decoder.decode(entry.data));
    }
  }
  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify(this.commands));
  }
  restore(data: Uint8Array): void {
    this.commands = data.byteLength === 0 ? [] : JSON.parse(decoder.decode(data));
  }
}

/** A cluster whose members record applied commands, with a per-node view of the log. */
export class Rig {
  readonly cluster: SimCluster;
  readonly machines = new Map<NodeId, RecordingMachine>();
  /** Command text applied at each index, per node (as reported by onApply). */
  readonly appliedAt = new Map<NodeId, Map<number, string>>();

  constructor(options: SimClusterOptions) {
    this.cluster = new SimCluster({
      ...options,
      stateMachine: (id) => {
        const machine = new RecordingMachine();
        this.machines.set(id, machine);
        return machine;
      },
    });
    this.cluster.onApply((id, entry) => {
      if (!this.appliedAt.has(id)) this.appliedAt.set(id, new Map());
      this.appliedAt.get(id)!.set(entry.index, decoder.decode(entry.data));
    });
  }

  /** Waits (virtual time) for a leader; returns it or throws. */
  leader(maxMs = 5000): NodeId {
    assert.ok(this.cluster.runUntil(() => this.cluster.leader() !== undefined, maxMs), "no leader");
    return this.cluster.leader()!;
  }

  /** How many nodes applied `command` at `index`, by report or by their state machine. */
  countAt(index: number, command: string): number {
    let count = 0;
    for (const id of this.cluster.members()) {
      // A node that caught up through a snapshot holds the command without reporting its index.
      const reported = this.appliedAt.get(id)?.get(index) === command;
      if (reported || this.machines.get(id)?.commands.includes(command)) count++;
    }
    return count;
  }

  /**
   * 6.824's `one()`: proposes `command` to whoever leads until it is applied at
   * one index by at least `expected` nodes; returns that index or throws.
   */
  one(command: string, expected: number, maxMs = 10_000): number {
    const deadline = this.cluster.now + maxMs;
    while (this.cluster.now < deadline) {
      const leader = this.cluster.leader();
      if (leader !== undefined) {
        const result = this.cluster.propose(leader, bytes(command));
        if (result.ok) {
          const done = this.cluster.runUntil(
            () => this.countAt(result.index, command) >= expected,
            2000,
          );
          if (done) return result.index;
          continue;
        }
      }
      this.cluster.runFor(50);
    }
    throw new Error(`one(${command}) did not reach ${expected} nodes in ${maxMs} ms`);
  }

  /** Commands the state machine of `id` holds now. */
  commands(id: NodeId): string[] {
    return this.machines.get(id)!.commands;
  }
}

/** `n` node ids: n1, n2, … */
export function ids(n: number): NodeId[] {
  return Array.from({ length: n }, (_, i) => `n${i + 1}`);
}
