/**
 * The replicated key-value state machine the simulation drives, and the codec
 * of its commands.
 *
 * Every command carries `(clientId, requestId)`. Each client has at most one
 * request outstanding and numbers them increasingly, so the machine keeps one
 * session per client (the last request id applied and its result), as in §6.3
 * of Ongaro's dissertation: a command whose request id is not newer than the
 * session's is a retry that already took effect (or a stale duplicate) and is
 * not applied again; an exact retry is answered with the remembered result.
 * That makes a client's retry at another node apply at most once.
 *
 * The machine checks that entries arrive contiguously; a gap or a repeat is a
 * raft bug and throws.
 *
 * @module
 */

import { type Entry, EntryType } from "../types.ts";
import { type KvInput, KvOpKind, type KvOutput } from "./linearizability.ts";

/** One client command as it travels through the log. */
export interface KvCommand {
  clientId: number;
  requestId: number;
  op: KvOpKind;
  input: KvInput;
}

/** Encodes a command as log-entry bytes (JSON; the simulation favours legibility). */
export function encodeCommand(command: KvCommand): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(command));
}

/**
 * Decodes log-entry bytes made by {@link encodeCommand}.
 *
 * @throws {Error} when the bytes are not a command (a corrupted entry)
 */
export function decodeCommand(data: Uint8Array): KvCommand {
  const command = JSON.parse(new TextDecoder().decode(data)) as KvCommand;
  if (typeof command.clientId !== "number" || typeof command.requestId !== "number") {
    throw new Error(`kv: entry is not a command: ${new TextDecoder().decode(data)}`);
  }
  return command;
}

interface Session {
  requestId: number;
  output: KvOutput;
}

/** What applying one entry did, for the client waiting on it. */
export interface KvApplied {
  command: KvCommand;
  output: KvOutput;
  /** True when the command was a retry already applied (answered from the session). */
  duplicate: boolean;
}

/** Thrown when the log hands the machine entries out of order: a raft safety bug. */
export class ApplyOrderError extends Error {
  override name = "ApplyOrderError";
}

/** One node's key-value store, with per-client sessions for at-most-once retries. */
export class KvStateMachine {
  #data = new Map<string, string>();
  #sessions = new Map<number, Session>();
  #appliedIndex = 0;

  /** Index of the last entry applied (or restored from a snapshot). */
  get appliedIndex(): number {
    return this.#appliedIndex;
  }

  /**
   * Applies one committed entry; returns what a command did, or undefined for
   * no-ops, membership changes and stale duplicates.
   *
   * @throws {ApplyOrderError} when `entry.index` is not the next index
   */
  apply(entry: Entry): KvApplied | undefined {
    if (entry.index !== this.#appliedIndex + 1) {
      throw new ApplyOrderError(
        `kv: applied index ${entry.index} after ${this.#appliedIndex} (want ${
          this.#appliedIndex + 1
        })`,
      );
    }
    this.#appliedIndex = entry.index;
    if (entry.type !== EntryType.normal || entry.data.length === 0) return undefined;
    const command = decodeCommand(entry.data);
    const session = this.#sessions.get(command.clientId);
    if (session && session.requestId >= command.requestId) {
      if (session.requestId > command.requestId) return undefined;
      return { command, output: session.output, duplicate: true };
    }
    const output = this.#execute(command);
    this.#sessions.set(command.clientId, { requestId: command.requestId, output });
    return { command, output, duplicate: false };
  }

  /** The current value of `key` (for reads served via ReadIndex). */
  read(key: string): string | null {
    return this.#data.get(key) ?? null;
  }

  /** Serialises data, sessions and the applied index; equal states give equal bytes. */
  snapshot(): Uint8Array {
    return new TextEncoder().encode(this.fingerprint());
  }

  /**
   * Replaces the whole state with a snapshot made by {@link snapshot}; empty
   * bytes reset it to the initial, empty state (a restart with no snapshot).
   *
   * @throws {SyntaxError} when the bytes are not a snapshot
   */
  restore(data: Uint8Array): void {
    if (data.length === 0) {
      this.#appliedIndex = 0;
      this.#data = new Map();
      this.#sessions = new Map();
      return;
    }
    const parsed = JSON.parse(new TextDecoder().decode(data)) as {
      appliedIndex: number;
      data: [string, string][];
      sessions: [number, Session][];
    };
    this.#appliedIndex = parsed.appliedIndex;
    this.#data = new Map(parsed.data);
    this.#sessions = new Map(parsed.sessions);
  }

  /** A canonical rendering of the whole state, for comparing replicas. */
  fingerprint(): string {
    const byKey = <K, V>(map: Map<K, V>) =>
      [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return JSON.stringify({
      appliedIndex: this.#appliedIndex,
      data: byKey(this.#data),
      sessions: byKey(this.#sessions),
    });
  }

  #execute(command: KvCommand): KvOutput {
    const { key, value, expected } = command.input;
    const current = this.#data.get(key) ?? null;
    switch (command.op) {
      case KvOpKind.put:
        this.#data.set(key, value!);
        return null;
      case KvOpKind.get:
        return current;
      case KvOpKind.cas:
        if (current !== (expected ?? null)) return false;
        this.#data.set(key, value!);
        return true;
    }
  }
}
