import assert from "node:assert/strict";
import { coalesceMessages } from "./_coalesce.ts";
import { type Entry, EntryType, type Message, MessageType } from "./types.ts";

function entry(index: number, term = 2): Entry {
  return { index, term, type: EntryType.normal, data: new Uint8Array([index]) };
}

function append(to: string, index: number, logTerm: number, entries: Entry[], commit = 0): Message {
  return {
    type: MessageType.append,
    from: "a",
    to,
    term: 2,
    logTerm,
    index,
    entries,
    commit,
    reject: false,
    rejectHint: 0,
    rejectTerm: 0,
  };
}

function response(to: string, index: number, reject = false): Message {
  return { ...append(to, index, 0, []), type: MessageType.appendResponse, from: "b", reject };
}

Deno.test("coalesceMessages() merges contiguous appends per peer and keeps the last commit", () => {
  const input = [
    append("b", 10, 2, [entry(11)], 9),
    append("c", 10, 2, [entry(11)], 9),
    append("b", 11, 2, [entry(12)], 10),
    append("c", 11, 2, [entry(12)], 10),
    append("b", 12, 2, [entry(13), entry(14)], 11),
  ];
  const out = coalesceMessages(input);
  assert.equal(out.length, 2);
  assert.deepEqual(out[0], append("b", 10, 2, [entry(11), entry(12), entry(13), entry(14)], 11));
  assert.deepEqual(out[1], append("c", 10, 2, [entry(11), entry(12)], 10));
  assert.equal(input[0].entries.length, 1, "input untouched");
});

Deno.test("coalesceMessages() keeps appends that are not contiguous or change term", () => {
  const gap = [append("b", 10, 2, [entry(11)]), append("b", 12, 2, [entry(13)])];
  assert.equal(coalesceMessages(gap).length, 2);
  const otherTerm = [append("b", 10, 2, [entry(11)]), {
    ...append("b", 11, 2, [entry(12)]),
    term: 3,
  }];
  assert.equal(coalesceMessages(otherTerm).length, 2);
});

Deno.test("coalesceMessages() keeps only the highest successful append response in a run", () => {
  const out = coalesceMessages([response("a", 11), response("a", 12), response("a", 14)]);
  assert.deepEqual(out, [response("a", 14)]);
});

Deno.test("coalesceMessages() never drops a rejection or reorders a peer's messages", () => {
  const input = [response("a", 11), response("a", 9, true), response("a", 12)];
  assert.deepEqual(coalesceMessages(input), input);
  const heartbeat = { ...append("b", 0, 0, []), type: MessageType.heartbeat };
  const mixed = [append("b", 10, 2, [entry(11)]), heartbeat, append("b", 11, 2, [entry(12)])];
  assert.deepEqual(coalesceMessages(mixed), mixed);
});

Deno.test("coalesceMessages() stops growing an append at the byte cap", () => {
  const input = [
    append("b", 10, 2, [entry(11)]),
    append("b", 11, 2, [entry(12)]),
    append("b", 12, 2, [entry(13)]),
  ];
  const out = coalesceMessages(input, 2);
  assert.deepEqual(out.map((m) => m.entries.length), [2, 1]);
});
