/**
 * A tiny key/value {@link StateMachine} for driver tests: entries are UTF-8
 * `key=value`, `apply` returns the previous value, snapshots are JSON.
 *
 * @module
 */
import type { StateMachine } from "../driver.ts";
import type { Entry, Snapshot } from "../types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a `key=value` command. */
export function kvCommand(key: string, value: string): Uint8Array {
  return encoder.encode(`${key}=${value}`);
}

/** In-memory KV state machine that also counts what happened to it. */
export class KvMachine implements StateMachine {
  data = new Map<string, string>();
  appliedCount = 0;
  restoredFrom: number[] = [];
  snapshotsTaken = 0;

  apply(entry: Entry): string | undefined {
    const text = decoder.decode(entry.data);
    const at = text.indexOf("=");
    const key = text.slice(0, at);
    const previous = this.data.get(key);
    this.data.set(key, text.slice(at + 1));
    this.appliedCount++;
    return previous;
  }

  snapshot(): Uint8Array {
    this.snapshotsTaken++;
    return encoder.encode(JSON.stringify([...this.data]));
  }

  restore(snapshot: Snapshot): void {
    this.data = new Map(JSON.parse(decoder.decode(snapshot.data)));
    this.restoredFrom.push(snapshot.meta.index);
  }
}
