import assert from "node:assert/strict";
import { decodeReadSeq, encodeReadSeq, ReadOnly } from "./_read_only.ts";

const voters = ["a", "b", "c", "d", "e"];
const quorum = (acks: Set<string>) => voters.filter((v) => acks.has(v)).length >= 3;

Deno.test("ReadOnly.ack() releases reads only once a quorum confirmed them, oldest first", () => {
  const ro = new ReadOnly();
  const first = ro.add({ from: "a", context: new Uint8Array([1]), index: 5, self: "a" });
  const second = ro.add({ from: "b", context: new Uint8Array([2]), index: 6, self: "a" });
  assert.deepEqual(ro.ack("b", first, quorum), [], "two of five is not a quorum");
  const released = ro.ack("c", second, quorum);
  assert.deepEqual(
    released.map((r) => r.index),
    [5],
    "c's ack of the newer read confirms the older one too",
  );
  assert.equal(ro.size, 1);
  assert.deepEqual(ro.ack("d", second, quorum).map((r) => r.index), [6]);
});

Deno.test("ReadOnly.reset() drops reads that can no longer be confirmed", () => {
  const ro = new ReadOnly();
  const seq = ro.add({ from: "a", context: new Uint8Array(), index: 1, self: "a" });
  ro.reset();
  assert.deepEqual(ro.ack("b", seq, quorum), []);
  assert.deepEqual(ro.ack("c", seq, quorum), []);
});

Deno.test("encodeReadSeq() round-trips and ignores other contexts", () => {
  assert.equal(decodeReadSeq(encodeReadSeq(42)), 42);
  assert.equal(decodeReadSeq(new TextEncoder().encode("raft:transfer")), undefined);
  assert.equal(decodeReadSeq(undefined), undefined);
});
