/**
 * The simulated network: decides, from the seed, whether and when each
 * message arrives (drop, delay, duplicate, reorder) and which nodes can talk
 * (partitions).
 *
 * @module
 */
import type { Message, NodeId } from "../types.ts";
import type { Rng } from "./rng.ts";

/** Fault knobs; every field optional when set through `setFaults`. */
export interface NetworkFaults {
  /** Probability a message is lost. */
  dropRate: number;
  /** Probability a delivered message is delivered twice. */
  duplicateRate: number;
  /** Delivery delay range in virtual ms, inclusive. */
  delayMs: [number, number];
  /** When false, each link is FIFO (like one TCP connection); when true, messages may overtake. */
  reorder: boolean;
}

/** A reliable, in-order network with 1–5 ms latency. */
export const reliableFaults: NetworkFaults = {
  dropRate: 0,
  duplicateRate: 0,
  delayMs: [1, 5],
  reorder: false,
};

/** Decides delivery of messages between simulated nodes. */
export class SimNetwork {
  #rng: Rng;
  #faults: NetworkFaults = { ...reliableFaults };
  /** Group of each node while partitioned; undefined when healed. */
  #groups: Map<NodeId, number> | undefined;
  #lastDelivery = new Map<string, number>();

  /** Uses `rng` for every decision, so runs replay exactly from the seed. */
  constructor(rng: Rng) {
    this.#rng = rng;
  }

  /** Changes fault knobs (unspecified ones keep their value). */
  setFaults(faults: Partial<NetworkFaults>): void {
    this.#faults = { ...this.#faults, ...faults };
  }

  get faults(): NetworkFaults {
    return { ...this.#faults };
  }

  /** Splits nodes into groups that cannot reach each other; unlisted nodes are isolated. */
  partition(groups: NodeId[][]): void {
    this.#groups = new Map();
    groups.forEach((group, i) => group.forEach((id) => this.#groups!.set(id, i)));
  }

  /** Removes every partition. */
  heal(): void {
    this.#groups = undefined;
  }

  /** Whether `a` and `b` can currently exchange messages. */
  connected(a: NodeId, b: NodeId): boolean {
    if (a === b || !this.#groups) return true;
    const ga = this.#groups.get(a);
    return ga !== undefined && ga === this.#groups.get(b);
  }

  /** Virtual times at which `m`, sent at `nowMs`, arrives (empty when lost). */
  deliveryTimes(m: Message, nowMs: number): number[] {
    if (!this.connected(m.from, m.to) || this.#rng.chance(this.#faults.dropRate)) return [];
    const copies = this.#rng.chance(this.#faults.duplicateRate) ? 2 : 1;
    const times: number[] = [];
    const link = `${m.from}>${m.to}`;
    for (let i = 0; i < copies; i++) {
      const [min, max] = this.#faults.delayMs;
      let at = nowMs + this.#rng.int(min, max);
      if (!this.#faults.reorder) at = Math.max(at, this.#lastDelivery.get(link) ?? 0);
      this.#lastDelivery.set(link, at);
      times.push(at);
    }
    return times;
  }
}
