/**
 * What a {@link RaftDriver} is built from: the application's state machine
 * contract, leadership notifications and the options with their defaults
 * (architecture §6 timings).
 *
 * @module
 */
import type { Storage } from "./storage.ts";
import type { Transport } from "./transport.ts";
import type { ConfState, Entry, NodeId, Role, Snapshot } from "./types.ts";

/** The replicated application. */
export interface StateMachine {
  /** Applies one committed normal entry; the result is handed to the proposer. */
  apply(entry: Entry): unknown;
  /** Serialises the state as of the last applied entry (called between applies). */
  snapshot(): Uint8Array | Promise<Uint8Array>;
  /** Replaces the whole state with a snapshot's. */
  restore(snapshot: Snapshot): void | Promise<void>;
}

/** Role/leader change notification. */
export interface LeaderChange {
  /** This member's role now. */
  role: Role;
  /** The known leader, or "" while there is none. */
  leader: NodeId;
  /** The current term. */
  term: number;
}

/** Options of {@link RaftDriver.start}. */
export interface RaftDriverOptions {
  /** This member's id (JACO: the hostname). */
  id: NodeId;
  /** Durable log; the driver owns it and closes it. */
  storage: Storage;
  /** Message transport; the driver owns it and closes it. */
  transport: Transport;
  /** The replicated application. */
  stateMachine: StateMachine;
  /** Membership used only when storage is empty (a new cluster). */
  bootstrap?: ConfState;
  /** Known peer addresses; conf changes carrying an address (context) add to it. */
  peers?: Record<NodeId, string>;
  /** Length of one tick (default 50 ms). */
  tickMs?: number;
  /** Heartbeat interval in ticks (default 2, i.e. 100 ms). */
  heartbeatTicks?: number;
  /** Base election timeout in ticks (default 20, i.e. 1 s; randomized into [1 s, 2 s)). */
  electionTicks?: number;
  /** Applied entries between local snapshots (default 8192). */
  snapshotEntries?: number;
  /** How long propose/readIndex wait before failing (default 5000 ms). */
  applyTimeoutMs?: number;
  /** Random source in [0, 1) for election jitter (default Math.random). */
  random?: () => number;
  /** Wall clock for deadlines (default Date.now). */
  now?: () => number;
}

/** Options with every default filled in (what the driver runs with). */
export type Settings = Required<Omit<RaftDriverOptions, "bootstrap" | "peers">>;

/** Fills in the defaults documented on {@link RaftDriverOptions}. */
export function resolveDriverOptions(options: RaftDriverOptions): Settings {
  return {
    tickMs: 50,
    heartbeatTicks: 2,
    electionTicks: 20,
    snapshotEntries: 8192,
    applyTimeoutMs: 5000,
    random: Math.random,
    now: Date.now,
    ...options,
  };
}
