/**
 * Online safety checks for the simulator (Raft Figure 3): election safety,
 * state-machine safety / log matching on everything applied, in-order apply,
 * and leader completeness (no committed entry lost, even across crashes).
 *
 * @module
 */
import type { Entry, NodeId, Snapshot } from "../types.ts";

function fingerprint(entry: Entry): string {
  let hash = 0x811c9dc5;
  for (const byte of entry.data) hash = Math.imul(hash ^ byte, 0x01000193);
  return `${entry.term}/${entry.type}/${entry.data.byteLength}/${hash >>> 0}`;
}

/** Collects invariant violations as readable strings. */
export class SafetyChecker {
  readonly violations: string[] = [];
  #leaderOfTerm = new Map<number, NodeId>();
  /** Fingerprint of every entry any node applied, by index: the committed log. */
  #committed = new Map<number, string>();
  #maxCommitted = 0;

  /** A node announced leadership of `term`. */
  leaderElected(id: NodeId, term: number): void {
    const other = this.#leaderOfTerm.get(term);
    if (other !== undefined && other !== id) {
      this.violations.push(`two leaders in term ${term}: ${other} and ${id}`);
    }
    this.#leaderOfTerm.set(term, id);
  }

  /** A node applied `entry` right after `previousApplied`. */
  applied(id: NodeId, entry: Entry, previousApplied: number): void {
    if (entry.index !== previousApplied + 1) {
      this.violations.push(`${id} applied index ${entry.index} after ${previousApplied}`);
    }
    const print = fingerprint(entry);
    const known = this.#committed.get(entry.index);
    if (known === undefined) {
      this.#committed.set(entry.index, print);
      this.#maxCommitted = Math.max(this.#maxCommitted, entry.index);
    } else if (known !== print) {
      this.violations.push(`${id} applied ${print} at ${entry.index}, others applied ${known}`);
    }
  }

  /**
   * A new leader's durable log must hold every entry known committed
   * (those below its snapshot are covered by it).
   */
  leaderComplete(id: NodeId, term: number, disk: { snapshot?: Snapshot; entries: Entry[] }): void {
    const snapshotIndex = disk.snapshot?.meta.index ?? 0;
    const byIndex = new Map(disk.entries.map((e) => [e.index, e]));
    for (let index = snapshotIndex + 1; index <= this.#maxCommitted; index++) {
      const known = this.#committed.get(index);
      if (known === undefined) continue;
      const entry = byIndex.get(index);
      if (!entry || fingerprint(entry) !== known) {
        this.violations.push(`leader ${id} of term ${term} lacks committed entry ${index}`);
        return;
      }
    }
  }

  /** Highest index any node applied. */
  get maxCommitted(): number {
    return this.#maxCommitted;
  }
}
