/**
 * The shared state of one raft member and the transitions every role uses
 * (terms, elections, commit, membership). Role-specific message handling
 * lives in `_step_leader.ts`, `_step_candidate.ts` and `_step_follower.ts`;
 * replication in `_replicate.ts`. `RaftNode` (node.ts) is the public facade.
 *
 * Fields are plain (not `#private`) because this class is folder-private and
 * is the shared state the role files operate on.
 *
 * @module
 */
import {
  applyConfChange,
  bootstrapEntries,
  cloneConf,
  decodeConfChange,
  quorumMatch,
  quorumOf,
} from "./_conf.ts";
import { message, transferContext } from "./_message.ts";
import { RaftLog } from "./_log.ts";
import { Progress } from "./_progress.ts";
import { ReadOnly } from "./_read_only.ts";
import { bcastAppend } from "./_replicate.ts";
import {
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type Message,
  MessageType,
  type NodeId,
  type RaftConfig,
  type ReadState,
  type RestoredState,
  Role,
  type SoftState,
} from "./types.ts";

/** Config with every optional knob resolved. */
export type ResolvedConfig = Required<RaftConfig>;

/** Defaults for the optional knobs of {@link RaftConfig}. */
export const configDefaults = {
  preVote: true,
  checkQuorum: true,
  leaseRead: false,
  maxMessageBytes: 1024 * 1024,
  maxInflight: 256,
  snapshotChunkBytes: 512 * 1024,
} as const;

/** Raised when a caller breaks the core's usage contract. */
export class RaftUsageError extends Error {
  /** Error name, for logs and `instanceof`-free checks. */
  override name = "RaftUsageError";
}

/** State of one raft member. */
export class RaftCore {
  readonly id: NodeId;
  readonly cfg: ResolvedConfig;
  term: number;
  vote: NodeId;
  lead: NodeId = "";
  role: Role = Role.follower;
  log: RaftLog;
  conf: ConfState;
  /** Committed membership history (index where each conf took effect), for snapshots. */
  confHistory: { index: number; conf: ConfState }[];
  /** Leader only: replication progress of every other member. */
  prs = new Map<NodeId, Progress>();
  votes = new Map<NodeId, boolean>();
  electionElapsed = 0;
  heartbeatElapsed = 0;
  /** Leader only: ticks since it became leader (stamps heartbeats for the lease). */
  leaderTicks = 0;
  /**
   * With lease reads, a (re)started member refuses votes for its first
   * election timeout, as if it had just heard from a leader: it may have
   * promised a live leader not to, before it crashed.
   */
  restartGuard: boolean;
  randomizedElectionTimeout = 0;
  leadTransferee: NodeId = "";
  /** Leader only: index of the latest conf change (or the term's no-op) not yet committed. */
  pendingConfIndex = 0;
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  readOnly = new ReadOnly();
  /** Leader only: reads that arrived before the leader committed an entry of its term. */
  pendingReads: Message[] = [];
  /** Follower only: a snapshot being reassembled from chunks. */
  snapshotBuffer: { index: number; term: number; parts: Uint8Array[]; size: number } | undefined;
  prevSoftState: SoftState;
  prevHardState: HardState;

  constructor(config: RaftConfig, restored: RestoredState) {
    if (config.heartbeatTicks >= config.electionTicks || config.heartbeatTicks < 1) {
      throw new RangeError(
        `heartbeatTicks must be in [1, electionTicks), got ${config.heartbeatTicks}`,
      );
    }
    this.cfg = { ...configDefaults, ...config } as ResolvedConfig;
    this.id = config.id;
    const persisted = restored.hardState;
    const bootstrap = bootstrapEntries(restored);
    const hs = bootstrap ? { term: 1, vote: "", commit: bootstrap.length } : persisted;
    this.term = hs.term;
    this.vote = hs.vote;
    this.log = new RaftLog(restored.snapshot, bootstrap ?? restored.entries, hs.commit);
    if (bootstrap) this.log.stabled = 0;
    this.conf = bootstrap
      ? { voters: [], learners: [] }
      : cloneConf(restored.snapshot?.meta.conf ?? restored.conf);
    this.confHistory = [{ index: this.log.firstIndex() - 1, conf: this.conf }];
    this.#applyConfEntries(this.log.firstIndex(), this.log.committed);
    this.prevHardState = { ...persisted };
    this.prevSoftState = { role: Role.follower, leader: "" };
    this.restartGuard = this.cfg.leaseRead;
    this.becomeFollower(this.term, "");
  }

  // ---- membership -------------------------------------------------------------

  isVoter(id: NodeId = this.id): boolean {
    return this.conf.voters.includes(id);
  }

  /** Membership in effect at `index` (for snapshots taken at an older applied index). */
  confAt(index: number): ConfState {
    const found = this.confHistory.findLast((c) => c.index <= index) ?? this.confHistory[0];
    return cloneConf(found.conf);
  }

  hasQuorum(acks: Set<NodeId>): boolean {
    return this.conf.voters.filter((v) => acks.has(v)).length >= quorumOf(this.conf.voters);
  }

  /**
   * Membership changes take effect when their entry is known committed. The
   * leader refuses a new change until the previous one (and its term's no-op)
   * committed, so at most one single-server change is ever in flight and any
   * two majorities involved overlap.
   */
  #applyConfEntries(from: number, to: number): void {
    if (from > to) return;
    for (const entry of this.log.slice(from, to + 1)) {
      if (entry.type === EntryType.confChange && entry.index > this.confHistory.at(-1)!.index) {
        this.#applyConf(entry);
      }
    }
  }

  #applyConf(entry: Entry): void {
    const change = decodeConfChange(entry.data);
    this.conf = applyConfChange(this.conf, change);
    this.confHistory.push({ index: entry.index, conf: this.conf });
    if (this.role !== Role.leader) return;
    const member = this.conf.voters.includes(change.node) ||
      this.conf.learners.includes(change.node);
    if (member && change.node !== this.id && !this.prs.has(change.node)) {
      const progress = new Progress(this.log.lastIndex() + 1, this.cfg.maxInflight);
      progress.lastContactTick = this.leaderTicks;
      this.prs.set(change.node, progress);
    }
    if (!member) {
      this.prs.delete(change.node);
      if (this.leadTransferee === change.node) this.leadTransferee = "";
    }
    if (!this.isVoter()) {
      // The leader removed itself: spread the commit so the rest learn of it, hand over to
      // the most up-to-date voter at once (no election timeout to sit out), then step down.
      bcastAppend(this);
      const successor = this.conf.voters
        .filter((id) => this.prs.has(id))
        .sort((a, b) => this.prs.get(b)!.match - this.prs.get(a)!.match)[0];
      if (successor !== undefined) {
        this.send(message({ type: MessageType.timeoutNow, to: successor }));
      }
      this.becomeFollower(this.term, "");
    }
  }

  /** Moves the commit index forward and applies newly committed membership changes. */
  commitTo(index: number): boolean {
    const before = this.log.committed;
    if (!this.log.commitTo(index)) return false;
    this.#applyConfEntries(before + 1, this.log.committed);
    return true;
  }

  /** Leader: commits what a quorum of voters holds (only entries of its own term, §5.4.2). */
  maybeCommit(): boolean {
    let advanced = false;
    while (this.role === Role.leader) {
      const index = quorumMatch(
        this.conf.voters,
        (id) => id === this.id ? this.log.lastIndex() : this.prs.get(id)?.match ?? 0,
      );
      if (index <= this.log.committed || this.log.term(index) !== this.term) break;
      this.commitTo(index);
      advanced = true;
    }
    return advanced;
  }

  // ---- roles ------------------------------------------------------------------

  #reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = "";
    }
    this.lead = "";
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.leaderTicks = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks +
      Math.floor(this.cfg.random() * this.cfg.electionTicks);
    this.votes.clear();
    this.prs.clear();
    this.leadTransferee = "";
    this.readOnly.reset();
    this.pendingReads = [];
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.#reset(term);
    this.role = Role.follower;
    this.lead = lead;
  }

  becomeLeader(): void {
    this.#reset(this.term);
    this.role = Role.leader;
    this.lead = this.id;
    for (const id of [...this.conf.voters, ...this.conf.learners]) {
      if (id !== this.id) {
        this.prs.set(id, new Progress(this.log.lastIndex() + 1, this.cfg.maxInflight));
      }
    }
    // The no-op lets the leader commit (and so learn the commit index) in its own term.
    this.appendEntries([{ type: EntryType.normal, data: new Uint8Array(0) }]);
    this.pendingConfIndex = this.log.lastIndex();
    bcastAppend(this);
  }

  /** Leader: appends new entries of the current term to its own log. */
  appendEntries(entries: Pick<Entry, "type" | "data">[]): Entry[] {
    let index = this.log.lastIndex();
    const stamped = entries.map((e) => ({ ...e, term: this.term, index: ++index }));
    this.log.append(stamped);
    this.maybeCommit();
    return stamped;
  }

  /**
   * Starts an election: a pre-vote round first (when enabled) for `"pre"`, a
   * real one for `"election"`, and for `"transfer"` a real one whose requests
   * bypass leader stickiness.
   */
  campaign(kind: "pre" | "election" | "transfer"): void {
    if (!this.isVoter() || this.role === Role.leader) return;
    this.restartGuard = false;
    const pre = kind === "pre" && this.cfg.preVote;
    if (pre) {
      this.#reset(this.term);
      this.role = Role.preCandidate;
    } else {
      this.#reset(this.term + 1);
      this.role = Role.candidate;
      this.vote = this.id;
    }
    this.votes.set(this.id, true);
    if (this.pollWon()) return;
    for (const to of this.conf.voters) {
      if (to === this.id) continue;
      this.send(message({
        type: pre ? MessageType.preVote : MessageType.vote,
        to,
        term: pre ? this.term + 1 : this.term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        context: kind === "transfer" ? transferContext() : undefined,
      }));
    }
  }

  /** Counts votes; on a quorum either way, moves on. Returns true once decided. */
  pollWon(): boolean {
    const voters = this.conf.voters;
    const granted = voters.filter((v) => this.votes.get(v) === true).length;
    const rejected = voters.filter((v) => this.votes.get(v) === false).length;
    if (granted >= quorumOf(voters)) {
      if (this.role === Role.preCandidate) this.campaign("election");
      else this.becomeLeader();
      return true;
    }
    if (rejected >= quorumOf(voters)) {
      this.becomeFollower(this.term, "");
      return true;
    }
    return false;
  }

  // ---- io ---------------------------------------------------------------------

  /** Queues a message; the term defaults to the current one. */
  send(m: Message): void {
    m.from = this.id;
    if (
      m.term === 0 && m.type !== MessageType.readIndex && m.type !== MessageType.readIndexResponse
    ) {
      m.term = this.term;
    }
    this.msgs.push(m);
  }

  softState(): SoftState {
    return { role: this.role, leader: this.lead };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }
}
