import assert from "node:assert/strict";
import { RaftLog } from "./_log.ts";
import { type Entry, EntryType } from "./types.ts";

function entries(...terms: number[]): Entry[] {
  return terms.map((term, i) => ({
    term,
    index: i + 1,
    type: EntryType.normal,
    data: new Uint8Array(8),
  }));
}

Deno.test("RaftLog.maybeAppend() refuses when the previous entry does not match", () => {
  const log = new RaftLog(undefined, entries(1, 1, 2), 0);
  assert.equal(log.maybeAppend(3, 1, []), undefined);
  assert.equal(log.maybeAppend(4, 2, []), undefined);
  assert.equal(log.maybeAppend(3, 2, []), 3);
});

Deno.test("RaftLog.maybeAppend() truncates a conflicting suffix and marks it unstable", () => {
  const log = new RaftLog(undefined, entries(1, 1, 2, 2), 1);
  const incoming = [{ term: 3, index: 3, type: EntryType.normal, data: new Uint8Array() }];
  assert.equal(log.maybeAppend(2, 1, incoming), 3);
  assert.equal(log.lastIndex(), 3);
  assert.equal(log.term(3), 3);
  assert.deepEqual(log.unstableEntries().map((e) => e.index), [3]);
});

Deno.test("RaftLog.maybeAppend() keeps matching entries (a stale, shorter append truncates nothing)", () => {
  const log = new RaftLog(undefined, entries(1, 1, 2, 2), 0);
  assert.equal(log.maybeAppend(1, 1, entries(1, 1).slice(1)), 2);
  assert.equal(log.lastIndex(), 4);
});

Deno.test("RaftLog.findConflictByTerm() skips whole terms", () => {
  const log = new RaftLog(undefined, entries(1, 1, 4, 4, 4, 5, 5), 0);
  assert.deepEqual(log.findConflictByTerm(7, 3), { index: 2, term: 1 });
  assert.deepEqual(log.findConflictByTerm(7, 4), { index: 5, term: 4 });
  assert.deepEqual(log.findConflictByTerm(100, 9), { index: 7, term: 5 });
  assert.deepEqual(log.findConflictByTerm(7, 0), { index: 0, term: 0 });
});

Deno.test("RaftLog.slice() caps by bytes but always returns one entry", () => {
  const log = new RaftLog(undefined, entries(1, 1, 1, 1), 0);
  assert.equal(log.slice(1, 5).length, 4);
  assert.equal(log.slice(1, 5, 70).length, 2); // 32 bytes per entry
  assert.equal(log.slice(1, 5, 1).length, 1);
});

Deno.test("RaftLog.append() refuses to overwrite committed entries", () => {
  const log = new RaftLog(undefined, entries(1, 1, 1), 2);
  assert.throws(() => log.append(entries(2, 2)), /overwrite committed/);
});

Deno.test("RaftLog.stableTo() ignores entries overwritten since the Ready", () => {
  const log = new RaftLog(undefined, entries(1), 0);
  log.append([{ term: 2, index: 2, type: EntryType.normal, data: new Uint8Array() }]);
  const handedOut = log.unstableEntries();
  log.append([{ term: 3, index: 2, type: EntryType.normal, data: new Uint8Array() }]);
  log.stableTo(handedOut[0].index, handedOut[0].term);
  assert.equal(log.stabled, 1, "the term-2 entry was replaced: index 2 stays unstable");
});

Deno.test("RaftLog.compact() drops entries up to a snapshot and keeps its term", () => {
  const log = new RaftLog(undefined, entries(1, 1, 2, 2), 4);
  log.appliedTo(3);
  log.compact({
    meta: { index: 3, term: 2, conf: { voters: ["a"], learners: [] } },
    data: new Uint8Array(),
  });
  assert.equal(log.firstIndex(), 4);
  assert.equal(log.term(3), 2);
  assert.equal(log.term(2), undefined);
  assert.throws(() => log.slice(3, 5), /snapshot/);
  assert.throws(
    () =>
      log.compact({
        meta: { index: 4, term: 2, conf: { voters: [], learners: [] } },
        data: new Uint8Array(),
      }),
    /beyond applied/,
  );
});

Deno.test("RaftLog.restore() replaces the log with a snapshot and commits it", () => {
  const log = new RaftLog(undefined, entries(1, 1), 1);
  const snapshot = {
    meta: { index: 10, term: 3, conf: { voters: ["a"], learners: [] } },
    data: new Uint8Array(),
  };
  log.restore(snapshot);
  assert.equal(log.lastIndex(), 10);
  assert.equal(log.lastTerm(), 3);
  assert.equal(log.committed, 10);
  assert.equal(log.pendingSnapshot, snapshot);
  assert.deepEqual(log.nextCommitted(), []);
});

Deno.test("RaftLog.isUpToDate() compares last term first, then length", () => {
  const log = new RaftLog(undefined, entries(1, 2, 2), 0);
  assert.ok(log.isUpToDate(1, 3));
  assert.ok(log.isUpToDate(3, 2));
  assert.ok(!log.isUpToDate(2, 2));
  assert.ok(!log.isUpToDate(10, 1));
});

Deno.test("RaftLog rejects restored entries with a gap", () => {
  const gap = [...entries(1), {
    term: 1,
    index: 3,
    type: EntryType.normal,
    data: new Uint8Array(),
  }];
  assert.throws(() => new RaftLog(undefined, gap, 0), /not contiguous/);
});
