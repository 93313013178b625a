/**
 * Membership helpers: the wire form of a {@link ConfChange} inside a log
 * entry, applying a change to a {@link ConfState}, and quorum arithmetic.
 *
 * @module
 */
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  type Entry,
  EntryType,
  type NodeId,
  type RestoredState,
} from "./types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encodes a membership change as the `data` of a `conf_change` entry (UTF-8
 * JSON; the context travels as base64).
 *
 * @example
 * ```ts
 * const data = encodeConfChange({ type: "add_voter", node: "b" });
 * ```
 */
export function encodeConfChange(change: ConfChange): Uint8Array {
  const context = change.context ? btoa(String.fromCharCode(...change.context)) : undefined;
  return encoder.encode(JSON.stringify({ type: change.type, node: change.node, context }));
}

/**
 * Decodes the `data` of a `conf_change` entry.
 *
 * @throws {TypeError} when the bytes are not an encoded change.
 */
export function decodeConfChange(data: Uint8Array): ConfChange {
  const raw = JSON.parse(decoder.decode(data)) as {
    type?: unknown;
    node?: unknown;
    context?: unknown;
  };
  const types: readonly unknown[] = Object.values(ConfChangeType);
  if (!types.includes(raw.type) || typeof raw.node !== "string" || raw.node === "") {
    throw new TypeError(`conf change entry is malformed: ${decoder.decode(data)}`);
  }
  const change: ConfChange = { type: raw.type as ConfChangeType, node: raw.node };
  if (typeof raw.context === "string") {
    change.context = Uint8Array.from(atob(raw.context), (c) => c.charCodeAt(0));
  }
  return change;
}

/** Returns the membership after `change` (adding a voter promotes a learner). */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  const voters = conf.voters.filter((id) => id !== change.node);
  const learners = conf.learners.filter((id) => id !== change.node);
  if (change.type === ConfChangeType.addVoter) voters.push(change.node);
  if (change.type === ConfChangeType.addLearner) {
    // Demoting a voter to learner is not a single-server change we support: keep it a voter.
    if (conf.voters.includes(change.node)) voters.push(change.node);
    else learners.push(change.node);
  }
  return { voters: voters.sort(), learners: learners.sort() };
}

/** A deep copy, so callers can never mutate the core's membership. */
export function cloneConf(conf: ConfState): ConfState {
  return { voters: [...conf.voters], learners: [...conf.learners] };
}

/** Smallest number of voters that forms a majority of `voters`. */
export function quorumOf(voters: readonly NodeId[]): number {
  return Math.floor(voters.length / 2) + 1;
}

/**
 * The highest index acknowledged by a majority of `voters`, given each voter's
 * match index (the quorum-commit index of Raft §5.3).
 */
export function quorumMatch(voters: readonly NodeId[], matchOf: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const matches = voters.map(matchOf).sort((a, b) => b - a);
  return matches[quorumOf(voters) - 1];
}

/**
 * A brand-new member (nothing persisted) with a non-empty `conf` bootstraps:
 * the membership becomes committed `conf_change` entries at term 1, identical
 * on every member bootstrapped with the same `conf`. Members that join later
 * start with an empty `conf` and learn the whole membership by replaying the
 * log (or from a snapshot), exactly like every other change.
 */
export function bootstrapEntries(restored: RestoredState): Entry[] | undefined {
  const { hardState, snapshot, entries, conf } = restored;
  const fresh = !snapshot && entries.length === 0 && hardState.term === 0 && hardState.commit === 0;
  if (!fresh || conf.voters.length + conf.learners.length === 0) return undefined;
  const changes: ConfChange[] = [
    ...[...conf.voters].sort().map((node) => ({ type: ConfChangeType.addVoter, node })),
    ...[...conf.learners].sort().map((node) => ({ type: ConfChangeType.addLearner, node })),
  ];
  return changes.map((change, i) => ({
    term: 1,
    index: i + 1,
    type: EntryType.confChange,
    data: encodeConfChange(change),
  }));
}
