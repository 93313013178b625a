/** Unit tests of the GOAWAY-cutting HTTP/2 frame scanner. @module */
import assert from "node:assert/strict";
import { CLIENT_PREFACE_LENGTH, H2GoawayScanner } from "./_h2_frames.ts";

const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

function frame(type: number, streamId: number, payload: number[]): Uint8Array {
  const bytes = new Uint8Array(9 + payload.length);
  bytes.set([payload.length >> 16, (payload.length >> 8) & 0xff, payload.length & 0xff, type, 0]);
  new DataView(bytes.buffer).setUint32(5, streamId);
  bytes.set(payload, 9);
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Feeds `input` cut at `cuts` and returns what the scanner forwards plus the GOAWAY count. */
function scan(input: Uint8Array, cuts: number[]): { out: Uint8Array; goaways: number } {
  const scanner = new H2GoawayScanner();
  const forwarded: Uint8Array[] = [];
  let goaways = 0;
  let start = 0;
  for (const end of [...cuts, input.length]) {
    const result = scanner.feed(input.subarray(start, end));
    forwarded.push(...result.forward.map((part) => part.slice()));
    goaways += result.goaways;
    start = end;
  }
  assert.equal(scanner.goawaysSeen, goaways);
  return { out: concat(...forwarded), goaways };
}

const SETTINGS = frame(0x4, 0, [0, 3, 0, 0, 0, 100]);
const HEADERS = frame(0x1, 1, [0x82, 0x86, 0x84]);
const DATA = frame(0x0, 1, Array.from({ length: 40 }, (_, i) => i));
const SETTINGS_ACK = frame(0x4, 0, []);
const GOAWAY = frame(0x7, 0, [0, 0, 0, 0, 0, 0, 0, 0, 0x64, 0x65, 0x62, 0x75, 0x67]);
const PING = frame(0x6, 0, [1, 2, 3, 4, 5, 6, 7, 8]);

Deno.test("a stream without GOAWAY passes through byte for byte, preface included", () => {
  const input = concat(PREFACE, SETTINGS, HEADERS, DATA, SETTINGS_ACK, PING);
  const { out, goaways } = scan(input, []);
  assert.deepEqual(out, input);
  assert.equal(goaways, 0);
});

Deno.test("a GOAWAY in the middle is cut out whole, the frames around it are kept", () => {
  const input = concat(PREFACE, SETTINGS, HEADERS, GOAWAY, DATA, PING);
  const { out, goaways } = scan(input, []);
  assert.deepEqual(out, concat(PREFACE, SETTINGS, HEADERS, DATA, PING));
  assert.equal(goaways, 1);
});

Deno.test("the preface is not mistaken for a frame header even when it arrives in pieces", () => {
  // The preface's bytes 3 and 12 would read as type 0x20/0x0d; a GOAWAY right after it is cut.
  const input = concat(PREFACE, GOAWAY, SETTINGS);
  for (const cuts of [[1], [5, 17], [CLIENT_PREFACE_LENGTH - 1], [CLIENT_PREFACE_LENGTH + 2]]) {
    const { out, goaways } = scan(input, cuts);
    assert.deepEqual(out, concat(PREFACE, SETTINGS), `cuts ${cuts}`);
    assert.equal(goaways, 1);
  }
});

Deno.test("every single cut point and byte-by-byte feeding give the same result", () => {
  const input = concat(PREFACE, SETTINGS, GOAWAY, HEADERS, DATA, GOAWAY, SETTINGS_ACK, GOAWAY);
  const expected = concat(PREFACE, SETTINGS, HEADERS, DATA, SETTINGS_ACK);
  for (let cut = 0; cut <= input.length; cut++) {
    const { out, goaways } = scan(input, [cut]);
    assert.deepEqual(out, expected, `cut at ${cut}`);
    assert.equal(goaways, 3, `cut at ${cut}`);
  }
  const everyByte = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
  const { out, goaways } = scan(input, everyByte);
  assert.deepEqual(out, expected);
  assert.equal(goaways, 3);
});

Deno.test("random chunkings of a long stream keep every non-GOAWAY byte in order", () => {
  const frames: Uint8Array[] = [PREFACE];
  const kept: Uint8Array[] = [PREFACE];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 300; i++) {
    const pick = [SETTINGS, HEADERS, DATA, PING, GOAWAY, SETTINGS_ACK][next() % 6];
    frames.push(pick);
    if (pick !== GOAWAY) kept.push(pick);
  }
  const input = concat(...frames);
  const expected = concat(...kept);
  for (let round = 0; round < 50; round++) {
    const cuts: number[] = [];
    for (let at = next() % 40; at < input.length; at += 1 + next() % 60) cuts.push(at);
    assert.deepEqual(scan(input, cuts).out, expected, `round ${round}`);
  }
});

Deno.test("a frame with a 24-bit length (large DATA) is skipped by length, not by content", () => {
  // A DATA payload full of bytes that look like a GOAWAY header must not be cut.
  const fake = Array.from({ length: 70_000 }, (_, i) => [0, 0, 8, 7, 0, 0, 0, 0, 0][i % 9]);
  const big = frame(0x0, 3, fake);
  const input = concat(PREFACE, big, GOAWAY, PING);
  const { out, goaways } = scan(input, [100, 16_384, 70_000]);
  assert.deepEqual(out, concat(PREFACE, big, PING));
  assert.equal(goaways, 1);
});
