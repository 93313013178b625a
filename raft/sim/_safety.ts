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

  /**
   * Log Matching (Figure 3) over what members persisted: if two logs hold an
   * entry with the same index and term, they agree on every entry up to it.
   */
  logMatching(disks: Map<NodeId, { entries: Entry[] }>): string[] {
    const found: string[] = [];
    const ids = [...disks.keys()];
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const a = disks.get(ids[i])!.entries;
        const b = new Map(disks.get(ids[j])!.entries.map((e) => [e.index, e]));
        let agreed = false;
        for (let k = a.length - 1; k >= 0; k--) {
          const other = b.get(a[k].index);
          if (!other) continue;
          if (other.term === a[k].term) agreed = true;
          if (agreed && fingerprint(other) !== fingerprint(a[k])) {
            found.push(`${ids[i]} and ${ids[j]} share a later entry but differ at ${a[k].index}`);
            break;
          }
        }
      }
    }
    return found;
  }
}
