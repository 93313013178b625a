import assert from "node:assert/strict";
import { RaftNode } from "./node.ts";
import {
  type Entry,
  EntryType,
  type Message,
  MessageType,
  type RaftConfig,
  type ReadState,
} from "./types.ts";

function node(
  id: string,
  voters: string[],
  config: Partial<RaftConfig> = {},
  entries: Entry[] = [],
  term = 0,
) {
  return new RaftNode(
    { id, electionTicks: 10, heartbeatTicks: 1, random: () => 0, ...config },
    { hardState: { term, vote: "", commit: 0 }, entries, conf: { voters, learners: [] } },
  );
}

/** Drains every Ready of `n` (as a driver would), returning what it sent and reported. */
function drain(n: RaftNode): { messages: Message[]; readStates: ReadState[]; committed: Entry[] } {
  const out = {
    messages: [] as Message[],
    readStates: [] as ReadState[],
    committed: [] as Entry[],
  };
  while (n.hasReady()) {
    const rd = n.ready();
    out.messages.push(...rd.messages);
    out.readStates.push(...rd.readStates);
    out.committed.push(...rd.committedEntries);
    n.advance(rd);
  }
  return out;
}

/** Delivers messages among `nodes` until quiet; `allow` filters links. */
function settle(
  nodes: Map<string, RaftNode>,
  allow: (m: Message) => boolean = () => true,
): ReadState[] {
  const reads: ReadState[] = [];
  for (let round = 0; round < 100; round++) {
    const pending: Message[] = [];
    for (const n of nodes.values()) {
      const out = drain(n);
      pending.push(...out.messages);
      reads.push(...out.readStates);
    }
    if (pending.length === 0) return reads;
    for (const m of pending) if (allow(m)) nodes.get(m.to)?.step(m);
  }
  throw new Error("cluster did not settle");
}

function cluster(ids: string[], config: Partial<RaftConfig> = {}): Map<string, RaftNode> {
  return new Map(ids.map((id) => [id, node(id, ids, config)]));
}

function elect(nodes: Map<string, RaftNode>, id: string): void {
  nodes.get(id)!.campaign();
  settle(nodes);
  assert.equal(nodes.get(id)!.status().role, "leader");
}

const plain = (term: number, index: number): Entry => ({
  term,
  index,
  type: EntryType.normal,
  data: new Uint8Array([index]),
});

Deno.test("RaftNode in a single-voter cluster leads at once and commits its no-op", () => {
  const n = node("a", ["a"]);
  n.campaign();
  const out = drain(n);
  assert.equal(n.status().role, "leader");
  assert.equal(out.messages.length, 0);
  // Entry 1 is the bootstrap membership, entry 2 the leader's no-op.
  assert.deepEqual(out.committed.map((e) => e.type), [EntryType.confChange, EntryType.normal]);
  assert.equal(n.status().commit, 2);
  const result = n.propose(new Uint8Array([7]));
  assert.deepEqual(result, { ok: true, index: 3, term: n.status().term });
  assert.equal(drain(n).committed.at(-1)?.index, 3);
});

Deno.test("RaftNode leader does not commit an older-term entry by counting replicas (Figure 8)", () => {
  // a holds entries of terms 1 and 2 and is elected in term 3.
  const a = node("a", ["a", "b", "c"], {}, [plain(1, 1), plain(2, 2)], 2);
  a.campaign();
  drain(a);
  a.step({ ...reply(MessageType.preVoteResponse, "b", "a", 3) });
  drain(a);
  a.step({ ...reply(MessageType.voteResponse, "b", "a", 3) });
  drain(a);
  assert.equal(a.status().role, "leader");
  assert.equal(a.status().lastIndex, 3, "no-op appended at index 3");
  a.step({ ...reply(MessageType.appendResponse, "b", "a", 3), index: 2 });
  assert.equal(a.status().commit, 0, "index 2 (term 2) on a majority is not committed by counting");
  a.step({ ...reply(MessageType.appendResponse, "b", "a", 3), index: 3 });
  assert.equal(a.status().commit, 3, "committing the term-3 no-op commits everything before it");
});

function reply(type: Message["type"], from: string, to: string, term: number): Message {
  return {
    type,
    from,
    to,
    term,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    rejectTerm: 0,
  };
}

Deno.test("RaftNode refuses its vote to a candidate with a stale log", () => {
  const b = node("b", ["a", "b", "c"], {}, [plain(1, 1), plain(2, 2)], 2);
  b.step({ ...reply(MessageType.vote, "a", "b", 3), index: 5, logTerm: 1 });
  const [answer] = drain(b).messages;
  assert.equal(answer.type, MessageType.voteResponse);
  assert.ok(answer.reject);
  b.step({ ...reply(MessageType.vote, "c", "b", 3), index: 2, logTerm: 2 });
  const [granted] = drain(b).messages;
  assert.ok(!granted.reject);
});

Deno.test("RaftNode follower ignores vote requests while it hears from a leader (stickiness)", () => {
  const nodes = cluster(["a", "b", "c"]);
  elect(nodes, "a");
  const b = nodes.get("b")!;
  const term = b.status().term;
  b.step({ ...reply(MessageType.vote, "c", "b", term + 1), index: 100, logTerm: term });
  assert.equal(b.status().term, term, "term unchanged");
  assert.equal(drain(b).messages.length, 0, "no answer at all");
  for (let i = 0; i < 10; i++) b.tick(); // the leader went quiet for an election timeout
  b.step({ ...reply(MessageType.vote, "c", "b", term + 1), index: 100, logTerm: term });
  assert.equal(b.status().term, term + 1);
});

Deno.test("RaftNode proposals on a follower are refused with the leader's id", () => {
  const nodes = cluster(["a", "b", "c"]);
  elect(nodes, "a");
  assert.deepEqual(nodes.get("b")!.propose(new Uint8Array([1])), {
    ok: false,
    reason: "not_leader",
    leader: "a",
  });
});

Deno.test("RaftNode readIndex on the leader needs a heartbeat quorum and returns the commit index", () => {
  const nodes = cluster(["a", "b", "c"]);
  elect(nodes, "a");
  const a = nodes.get("a")!;
  a.readIndex(new Uint8Array([9]));
  // Cut every heartbeat answer: the read must stay pending.
  let reads = settle(nodes, (m) => m.type !== MessageType.heartbeatResponse);
  assert.deepEqual(reads, []);
  a.tick(); // next heartbeat round, answers allowed
  reads = settle(nodes);
  assert.deepEqual(reads, [{ index: a.status().commit, context: new Uint8Array([9]) }]);
});

Deno.test("RaftNode readIndex from a follower is forwarded to the leader and answered", () => {
  const nodes = cluster(["a", "b", "c"]);
  elect(nodes, "a");
  nodes.get("c")!.readIndex(new Uint8Array([4]));
  const reads = settle(nodes);
  assert.deepEqual(reads, [{
    index: nodes.get("a")!.status().commit,
    context: new Uint8Array([4]),
  }]);
});

Deno.test("RaftNode readIndex waits until the new leader committed an entry of its term", () => {
  const nodes = cluster(["a", "b", "c"]);
  elect(nodes, "a");
  const b = nodes.get("b")!;
  nodes.get("a")!.transferLeadership("b");
  // Let the election through but hold back append answers: b cannot commit its no-op yet.
  settle(
    nodes,
    (m) => m.type !== MessageType.appendResponse && m.type !== MessageType.heartbeatResponse,
  );
  assert.equal(b.status().role, "leader");
  b.readIndex(new Uint8Array([1]));
  assert.deepEqual(settle(nodes, (m) => m.type !== MessageType.appendResponse), []);
  b.tick();
  const reads = settle(nodes);
  assert.equal(reads.length, 1);
  assert.equal(reads[0].index, b.status().commit);
  assert.equal(reads[0].index, b.status().lastIndex, "index includes the new term's no-op");
});

Deno.test("RaftNode readIndex is never served by a deposed leader", () => {
  const nodes = cluster(["a", "b", "c"], { checkQuorum: false });
  elect(nodes, "a");
  const a = nodes.get("a")!;
  // a is cut off; b takes over and commits a write a has not seen.
  const cut = (m: Message) => m.from !== "a" && m.to !== "a";
  nodes.get("b")!.campaign();
  settle(nodes, cut);
  assert.equal(nodes.get("b")!.status().role, "leader");
  nodes.get("b")!.propose(new Uint8Array([42]));
  settle(nodes, cut);
  assert.equal(a.status().role, "leader", "a still believes it leads");
  a.readIndex(new Uint8Array([1]));
  a.tick();
  assert.deepEqual(settle(nodes, cut), [], "no quorum answers a's heartbeats");
  // Reconnected, a learns of the newer term and steps down; its read is dropped, not served stale.
  a.tick();
  assert.deepEqual(settle(nodes), []);
  assert.equal(a.status().role, "follower");
});

Deno.test("RaftNode lease read answers at once while a quorum's heartbeat answers are fresh", () => {
  // Lease members ignore votes for their first election timeout: let it pass, a times out first.
  const ids = ["a", "b", "c"];
  const nodes = new Map(
    ids.map((id) => [id, node(id, ids, { leaseRead: true, random: () => id === "a" ? 0 : 0.9 })]),
  );
  for (let i = 0; i < 10; i++) for (const id of ["b", "c", "a"]) nodes.get(id)!.tick();
  settle(nodes);
  const a = nodes.get("a")!;
  assert.equal(a.status().role, "leader");
  a.readIndex(new Uint8Array([1]));
  const beforeAnyHeartbeat = drain(a);
  assert.deepEqual(beforeAnyHeartbeat.readStates, [], "no lease before a heartbeat round");
  settle(nodes);
  a.tick(); // heartbeat stamped with leader tick 1, answered by b and c
  settle(nodes);
  a.readIndex(new Uint8Array([3]));
  const leased = drain(a);
  assert.deepEqual(leased.readStates, [{ index: a.status().commit, context: new Uint8Array([3]) }]);
  assert.equal(leased.messages.length, 0, "served from the lease: no heartbeat round");
  // Answers stop arriving: 8 ticks after the last answered stamp the lease (10 minus a 2-tick margin) is over.
  for (let i = 0; i < 8; i++) a.tick();
  drain(a);
  a.readIndex(new Uint8Array([4]));
  const expired = drain(a);
  assert.equal(a.status().role, "leader");
  assert.deepEqual(expired.readStates, [], "expired lease: fall back to a heartbeat round");
  assert.ok(expired.messages.some((m) => m.type === MessageType.heartbeat));
});

Deno.test("RaftNode with lease reads refuses votes for an election timeout after (re)starting", () => {
  const b = node("b", ["a", "b", "c"], { leaseRead: true });
  drain(b);
  const term = b.status().term;
  b.step({ ...reply(MessageType.vote, "c", "b", term + 1), index: 100, logTerm: term });
  assert.equal(drain(b).messages.length, 0, "it may have promised a live leader before the crash");
  for (let i = 0; i < 10; i++) b.tick();
  b.step({ ...reply(MessageType.vote, "c", "b", term + 1), index: 100, logTerm: term });
  const [answer] = drain(b).messages.filter((m) => m.type === MessageType.voteResponse);
  assert.equal(answer?.reject, false);
});

Deno.test("RaftNode batches appends by maxMessageBytes once the inflight window reopens", () => {
  const nodes = cluster(["a", "b"], { maxMessageBytes: 120, maxInflight: 1 });
  elect(nodes, "a");
  const a = nodes.get("a")!;
  for (let i = 0; i < 10; i++) a.propose(new Uint8Array(30));
  const sent: Message[] = [];
  settle(nodes, (m) => {
    if (m.type === MessageType.append) sent.push(m);
    return true;
  });
  // Empty appends only carry the new commit index.
  const sizes = sent.map((m) => m.entries.length).filter((n) => n > 0);
  assert.equal(sizes[0], 1, "the first proposal goes out alone and fills the window");
  assert.ok(
    sizes.slice(1).every((n) => n === 2 || n === 1),
    `54-byte entries, 120-byte messages: ${sizes}`,
  );
  assert.ok(sizes.filter((n) => n === 2).length >= 4, `backlog is batched: ${sizes}`);
  assert.equal(sizes.reduce((x, y) => x + y, 0), 10);
  assert.equal(nodes.get("b")!.status().commit, a.status().lastIndex);
});

Deno.test("RaftNode refuses a conf change that would leave no voter", () => {
  const n = node("a", ["a"]);
  n.campaign();
  drain(n);
  assert.throws(() => n.proposeConfChange({ type: "remove_node", node: "a" }), /no voter/);
});

Deno.test("RaftNode rejects heartbeatTicks that are not below electionTicks", () => {
  assert.throws(() => node("a", ["a"], { heartbeatTicks: 10 }), RangeError);
});

Deno.test("RaftNode restarted from storage keeps term, vote and membership", () => {
  const n = node("a", ["a", "b", "c"]);
  n.campaign();
  const rd = n.ready();
  n.advance(rd);
  const restarted = new RaftNode(
    { id: "a", electionTicks: 10, heartbeatTicks: 1, random: () => 0 },
    { hardState: rd.hardState!, entries: rd.entries, conf: { voters: [], learners: [] } },
  );
  assert.equal(restarted.status().term, rd.hardState!.term);
  assert.deepEqual(
    restarted.status().conf.voters,
    ["a", "b", "c"],
    "learned from the bootstrap entries",
  );
  assert.equal(
    restarted.hasReady(),
    true,
    "committed bootstrap entries are re-delivered for apply",
  );
});
