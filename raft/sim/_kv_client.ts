/**
 * A simulated key-value client with the retry semantics real JACO clients use.
 *
 * Semantics (one request outstanding per client):
 * - An operation gets a fresh request id and is sent to the node the client
 *   believes leads (initially a random one).
 * - A node that refuses the proposal (not leader, down) tells the client the
 *   leader it knows, if any; the client retries the SAME request there (or at
 *   another random node) after a backoff. A refused proposal never took effect.
 * - A node that accepted the proposal but gives no answer within
 *   `attemptTimeoutMs` (it crashed, lost leadership, or the entry was
 *   overwritten) is abandoned: the client retries the SAME request id
 *   elsewhere. The state machine's sessions make the retry apply at most once
 *   and answer it with the first application's result.
 * - After `opTimeoutMs` without an answer the client gives up: the operation is
 *   recorded as indeterminate (`completeMs = Infinity`) if any node ever
 *   accepted it, dropped if none did, and the client moves on with a new
 *   request id. A late application of the abandoned request is harmless: the
 *   history already allows it to take effect at any later time.
 * - Reads go through the log, or through ReadIndex when `readIndex` is on: the
 *   node answers once it has applied up to the read's index. ReadIndex reads
 *   go to a random node half the time (followers forward them to the leader).
 *
 * @module
 */

import type { NodeId } from "../types.ts";
import type { HistoryOp, KvInput, KvOutput } from "./linearizability.ts";
import type { KvCommand } from "./kv.ts";
import type { KvCluster } from "./_kv_cluster.ts";

/** Timing and shape of a client's traffic, in virtual milliseconds. */
export interface ClientOptions {
  id: number;
  cluster: KvCluster;
  random: () => number;
  keys: readonly string[];
  history: HistoryOp[];
  /** Serve reads with ReadIndex instead of through the log. */
  readIndex: boolean;
  attemptTimeoutMs: number;
  opTimeoutMs: number;
  backoffMs: number;
  thinkMs: number;
}

interface Pending {
  command: KvCommand;
  invokeMs: number;
  deadlineMs: number;
  /** Some node accepted it, so it may take effect. */
  accepted: boolean;
  node: NodeId;
  /** Bumped on every attempt so stale timers and answers are ignored. */
  attempt: number;
  /** Read index a ReadIndex read waits for the node to apply. */
  readAt?: number;
}

/** One client issuing random put/get/cas operations until stopped. */
export class KvClient {
  #options: ClientOptions;
  #nextRequestId = 1;
  #pending: Pending | undefined;
  #leaderGuess: NodeId | undefined;
  #stopped = false;
  #completed = 0;
  #lastSeen = new Map<string, string | null>();

  constructor(options: ClientOptions) {
    this.#options = options;
  }

  /** Operations answered so far. */
  get completed(): number {
    return this.#completed;
  }

  /** Begins issuing operations after a think time. */
  start(): void {
    this.#scheduleNext();
  }

  /** Issues no new operation; the outstanding one may still finish. */
  stop(): void {
    this.#stopped = true;
  }

  /** Records the outstanding operation, if any, as indeterminate (end of run). */
  abandon(): void {
    if (this.#pending) this.#giveUp(this.#pending);
  }

  /** A node applied a command: answers the outstanding request if it is ours, from that node. */
  onApplied(node: NodeId, command: KvCommand, output: KvOutput): void {
    const pending = this.#pending;
    if (
      !pending || pending.readAt !== undefined || node !== pending.node ||
      command.clientId !== this.#options.id || command.requestId !== pending.command.requestId
    ) return;
    this.#complete(pending, output);
  }

  /** A node finished a ReadIndex request: the read is served once `index` is applied there. */
  onReadState(node: NodeId, context: string, index: number): void {
    const pending = this.#pending;
    if (!pending || node !== pending.node || context !== this.#readContext(pending)) return;
    pending.readAt = index;
    this.onProgress(node);
  }

  /** A node applied something: a waiting ReadIndex read there may now be served. */
  onProgress(node: NodeId): void {
    const pending = this.#pending;
    if (!pending || pending.readAt === undefined || node !== pending.node) return;
    const { cluster } = this.#options;
    if (cluster.appliedIndex(node) < pending.readAt) return;
    this.#complete(pending, cluster.read(node, pending.command.input.key));
  }

  #scheduleNext(): void {
    if (this.#stopped) return;
    const { cluster, random, thinkMs } = this.#options;
    cluster.schedule(cluster.now + 1 + Math.floor(random() * thinkMs), () => this.#issue());
  }

  #issue(): void {
    if (this.#stopped) return;
    const { cluster, random, opTimeoutMs } = this.#options;
    const command: KvCommand = {
      clientId: this.#options.id,
      requestId: this.#nextRequestId++,
      ...this.#randomOp(),
    };
    const nodes = cluster.members();
    // ReadIndex reads go to a random node half the time so follower reads
    // (forwarded to the leader, served locally) are exercised too.
    const anyNode = command.op === "get" && this.#options.readIndex && random() < 0.5;
    const node = (anyNode ? undefined : this.#leaderGuess) ??
      nodes[Math.floor(random() * nodes.length)];
    const pending: Pending = {
      command,
      invokeMs: cluster.now,
      deadlineMs: cluster.now + opTimeoutMs,
      accepted: false,
      node,
      attempt: 0,
    };
    this.#pending = pending;
    this.#attempt(pending, node);
  }

  #randomOp(): Pick<KvCommand, "op" | "input"> {
    const { random, keys } = this.#options;
    const key = keys[Math.floor(random() * keys.length)];
    const value = `c${this.#options.id}r${this.#nextRequestId - 1}`;
    const roll = random();
    if (roll < 0.4) return { op: "get", input: { key } };
    if (roll < 0.7) return { op: "put", input: { key, value } };
    // Expect the value this client last saw, so some swaps succeed and some
    // race with other clients' writes.
    const expected = this.#lastSeen.get(key) ?? null;
    const input: KvInput = { key, expected, value };
    return { op: "cas", input };
  }

  #readContext(pending: Pending): string {
    return `${this.#options.id}:${pending.command.requestId}:${pending.attempt}`;
  }

  #attempt(pending: Pending, node: NodeId): void {
    if (this.#pending !== pending) return;
    const { cluster, attemptTimeoutMs } = this.#options;
    if (cluster.now >= pending.deadlineMs) return this.#giveUp(pending);
    pending.node = node;
    pending.readAt = undefined;
    const attempt = ++pending.attempt;
    const useReadIndex = this.#options.readIndex && pending.command.op === "get";
    const outcome = useReadIndex
      ? cluster.readIndex(node, this.#readContext(pending))
      : cluster.propose(node, pending.command);
    if (!outcome.ok) {
      this.#leaderGuess = outcome.leader || undefined;
      return this.#retry(pending, outcome.leader || this.#otherNode(node));
    }
    // A ReadIndex read has no effect, so only a proposal makes the op possibly
    // applied; and only a proposal's acceptance says the node leads.
    if (!useReadIndex) {
      pending.accepted = true;
      this.#leaderGuess = node;
    }
    cluster.schedule(cluster.now + attemptTimeoutMs, () => {
      if (this.#pending !== pending || pending.attempt !== attempt) return;
      this.#leaderGuess = undefined;
      this.#retry(pending, this.#otherNode(node));
    });
  }

  #retry(pending: Pending, node: NodeId): void {
    const { cluster, random, backoffMs } = this.#options;
    const at = cluster.now + 1 + Math.floor(random() * backoffMs);
    cluster.schedule(at, () => this.#attempt(pending, node));
  }

  #otherNode(node: NodeId): NodeId {
    const { cluster, random } = this.#options;
    const others = cluster.members().filter((id) => id !== node);
    return others.length === 0 ? node : others[Math.floor(random() * others.length)];
  }

  #complete(pending: Pending, output: KvOutput): void {
    const { command, invokeMs } = pending;
    this.#options.history.push({
      clientId: command.clientId,
      op: command.op,
      input: command.input,
      output,
      invokeMs,
      completeMs: this.#options.cluster.now,
    });
    this.#completed++;
    const { key, value } = command.input;
    if (command.op === "get") this.#lastSeen.set(key, output as string | null);
    else if (command.op === "put" || output === true) this.#lastSeen.set(key, value ?? null);
    this.#pending = undefined;
    this.#scheduleNext();
  }

  #giveUp(pending: Pending): void {
    if (pending.accepted) {
      const { command, invokeMs } = pending;
      this.#options.history.push({
        clientId: command.clientId,
        op: command.op,
        input: command.input,
        invokeMs,
        completeMs: Infinity,
      });
    }
    this.#pending = undefined;
    this.#scheduleNext();
  }
}
