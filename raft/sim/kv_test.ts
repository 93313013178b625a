import assert from "node:assert/strict";
import type { Entry } from "../types.ts";
import { ApplyOrderError, decodeCommand, encodeCommand, type KvCommand } from "./kv.ts";
import { KvStateMachine } from "./kv.ts";

function entry(index: number, command?: KvCommand): Entry {
  return {
    term: 1,
    index,
    type: "normal",
    data: command ? encodeCommand(command) : new Uint8Array(),
  };
}

const putA: KvCommand = { clientId: 1, requestId: 1, op: "put", input: { key: "x", value: "a" } };

Deno.test("encodeCommand() round-trips through decodeCommand()", () => {
  const command: KvCommand = {
    clientId: 3,
    requestId: 9,
    op: "cas",
    input: { key: "k", expected: null, value: "v" },
  };
  assert.deepEqual(decodeCommand(encodeCommand(command)), command);
  assert.throws(() => decodeCommand(new TextEncoder().encode("{}")), /not a command/);
});

Deno.test("KvStateMachine applies put, get and cas with their outputs", () => {
  const kv = new KvStateMachine();
  assert.equal(kv.apply(entry(1)), undefined, "leader no-op");
  assert.equal(kv.apply(entry(2, putA))?.output, null);
  const get = { clientId: 2, requestId: 1, op: "get", input: { key: "x" } } as const;
  assert.equal(kv.apply(entry(3, get))?.output, "a");
  const casMiss = {
    clientId: 2,
    requestId: 2,
    op: "cas",
    input: { key: "x", expected: "b", value: "c" },
  } as const;
  assert.equal(kv.apply(entry(4, casMiss))?.output, false);
  const casHit = { ...casMiss, requestId: 3, input: { key: "x", expected: "a", value: "c" } };
  assert.equal(kv.apply(entry(5, casHit))?.output, true);
  assert.equal(kv.read("x"), "c");
  assert.equal(kv.read("missing"), null);
  assert.equal(kv.appliedIndex, 5);
});

Deno.test("KvStateMachine applies a retried request at most once", () => {
  const kv = new KvStateMachine();
  const cas = {
    clientId: 1,
    requestId: 1,
    op: "cas",
    input: { key: "x", expected: null, value: "a" },
  } as const;
  assert.deepEqual(kv.apply(entry(1, cas)), { command: cas, output: true, duplicate: false });
  // The retry would fail the cas if executed again; the session answers it instead.
  assert.deepEqual(kv.apply(entry(2, cas)), { command: cas, output: true, duplicate: true });
  const next = { clientId: 1, requestId: 2, op: "put", input: { key: "x", value: "b" } } as const;
  kv.apply(entry(3, next));
  // An older request arriving late is dropped, not applied over the newer write.
  assert.equal(kv.apply(entry(4, { ...putA, input: { key: "x", value: "old" } })), undefined);
  assert.equal(kv.read("x"), "b");
});

Deno.test("KvStateMachine rejects entries out of order", () => {
  const kv = new KvStateMachine();
  kv.apply(entry(1));
  assert.throws(() => kv.apply(entry(3)), ApplyOrderError);
  assert.throws(() => kv.apply(entry(1)), ApplyOrderError);
});

Deno.test("KvStateMachine restores data, sessions and index from a snapshot", () => {
  const kv = new KvStateMachine();
  kv.apply(entry(1, putA));
  const copy = new KvStateMachine();
  copy.restore(kv.snapshot());
  assert.equal(copy.fingerprint(), kv.fingerprint());
  assert.equal(copy.appliedIndex, 1);
  assert.equal(copy.apply(entry(2, putA))?.duplicate, true);
  assert.equal(copy.read("x"), "a");
  copy.restore(new Uint8Array());
  assert.equal(copy.fingerprint(), new KvStateMachine().fingerprint());
});
