import assert from "node:assert/strict";
import {
  CodecError,
  decodeConfState,
  decodeHardState,
  decodeMessages,
  decodeSnapshotMeta,
  encodeConfState,
  encodeHardState,
  encodeMessages,
  encodeSnapshotMeta,
} from "./codec.ts";
import { EntryType, type Message, MessageType } from "./types.ts";

function sampleMessages(): Message[] {
  return [
    {
      type: MessageType.append,
      from: "node-a",
      to: "node-b",
      term: 7,
      logTerm: 6,
      index: 2 ** 40,
      entries: [
        { term: 7, index: 2 ** 40 + 1, type: EntryType.normal, data: new Uint8Array([1, 2, 3]) },
        { term: 7, index: 2 ** 40 + 2, type: EntryType.confChange, data: new Uint8Array() },
      ],
      commit: 99,
      reject: false,
      rejectHint: 0,
      rejectTerm: 0,
    },
    {
      type: MessageType.appendResponse,
      from: "node-b",
      to: "node-a",
      term: 7,
      logTerm: 0,
      index: 12,
      entries: [],
      commit: 0,
      reject: true,
      rejectHint: 10,
      rejectTerm: 5,
      context: new TextEncoder().encode("ctx"),
    },
    {
      type: MessageType.snapshot,
      from: "ñode-ü",
      to: "b",
      term: Number.MAX_SAFE_INTEGER,
      logTerm: 0,
      index: 0,
      entries: [],
      commit: 0,
      reject: false,
      rejectHint: 0,
      rejectTerm: 0,
      snapshot: {
        meta: { index: 5, term: 2, conf: { voters: ["a", "b"], learners: ["c"] } },
        offset: 1024,
        data: new Uint8Array(3000).fill(9),
        done: true,
      },
    },
  ];
}

Deno.test("encodeMessages() round-trips every field including large indexes", () => {
  const messages = sampleMessages();
  assert.deepEqual(decodeMessages(encodeMessages(messages)), messages);
});

Deno.test("encodeMessages() round-trips an empty batch", () => {
  assert.deepEqual(decodeMessages(encodeMessages([])), []);
});

Deno.test("decodeMessages() refuses an unknown version with a CodecError", () => {
  const bytes = encodeMessages(sampleMessages());
  bytes[0] = 2;
  assert.throws(() => decodeMessages(bytes), CodecError);
});

Deno.test("decodeMessages() refuses trailing bytes", () => {
  const bytes = encodeMessages(sampleMessages());
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  assert.throws(() => decodeMessages(longer), CodecError);
});

Deno.test("decodeMessages() throws only CodecError on every truncation", () => {
  const bytes = encodeMessages(sampleMessages());
  for (let cut = 0; cut < bytes.length; cut++) {
    assert.throws(() => decodeMessages(bytes.subarray(0, cut)), CodecError, `cut at ${cut}`);
  }
});

Deno.test("decodeMessages() fuzz: random and mutated inputs never throw anything but CodecError", () => {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const valid = encodeMessages(sampleMessages());
  let decodedSome = 0;
  for (let round = 0; round < 5000; round++) {
    let input: Uint8Array;
    if (round % 2 === 0) {
      input = new Uint8Array(Math.floor(random() * 64));
      for (let i = 0; i < input.length; i++) input[i] = Math.floor(random() * 256);
      if (input.length > 0) input[0] = 1;
    } else {
      input = valid.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) {
        input[Math.floor(random() * input.length)] = Math.floor(random() * 256);
      }
    }
    try {
      decodeMessages(input);
      decodedSome++;
    } catch (err) {
      assert.ok(err instanceof CodecError, `round ${round}: ${err}`);
    }
  }
  assert.ok(decodedSome < 5000);
});

Deno.test("encodeHardState() round-trips and rejects garbage", () => {
  const hs = { term: 3, vote: "node-a", commit: 17 };
  assert.deepEqual(decodeHardState(encodeHardState(hs)), hs);
  assert.throws(() => decodeHardState(new Uint8Array([1, 0xff])), CodecError);
});

Deno.test("encodeConfState() and encodeSnapshotMeta() round-trip", () => {
  const conf = { voters: ["a", "b", "c"], learners: [] };
  assert.deepEqual(decodeConfState(encodeConfState(conf)), conf);
  const meta = { index: 8192, term: 4, conf };
  assert.deepEqual(decodeSnapshotMeta(encodeSnapshotMeta(meta)), meta);
});
