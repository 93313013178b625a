import assert from "node:assert/strict";
import { readTar, TarFormatError, writeTar } from "./_tar.ts";

const encoder = new TextEncoder();

/** A raw header block (for headers writeTar never produces), checksum filled in. */
function rawHeader(
  fields: { name: string; type: string; size: number; magic?: string },
): Uint8Array {
  const header = new Uint8Array(512);
  header.set(encoder.encode(fields.name), 0);
  header.set(encoder.encode("0000644\0"), 100);
  header.set(encoder.encode(fields.size.toString(8).padStart(11, "0") + "\0"), 124);
  header.set(encoder.encode("00000000000\0"), 136);
  header[156] = fields.type.charCodeAt(0);
  header.set(encoder.encode(fields.magic ?? "ustar\x0000"), 257);
  header.set(encoder.encode("        "), 148);
  const sum = header.reduce((total, byte) => total + byte, 0);
  header.set(encoder.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  return header;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + body.length !== length) {
    length = String(length).length + body.length;
  }
  return `${length}${body}`;
}

Deno.test("writeTar() output reads back with names, modes, mtimes and data", () => {
  const files = [
    { name: "a.txt", data: encoder.encode("alpha"), mode: 0o600, mtimeSeconds: 1_700_000_000 },
    { name: "empty", data: new Uint8Array(0), mode: 0o644, mtimeSeconds: 0 },
    { name: "block", data: new Uint8Array(512).fill(7), mode: 0o600, mtimeSeconds: 5 },
  ];
  const tar = writeTar(files);
  assert.equal(tar.length % 512, 0);
  const entries = readTar(tar);
  assert.deepEqual(
    entries.map((
      entry,
    ) => [entry.name, entry.type, entry.mode, entry.mtimeSeconds, [...entry.data]]),
    files.map((file) => [file.name, "0", file.mode, file.mtimeSeconds, [...file.data]]),
  );
});

Deno.test("writeTar() ends with two zero blocks after the last entry", () => {
  const tar = writeTar([{ name: "x", data: encoder.encode("1"), mode: 0o600, mtimeSeconds: 1 }]);
  assert.equal(tar.length, 512 + 512 + 1024);
  assert.ok(tar.subarray(1024).every((byte) => byte === 0));
});

Deno.test("readTar() refuses a header whose checksum does not match", () => {
  const tar = writeTar([{ name: "x", data: encoder.encode("1"), mode: 0o600, mtimeSeconds: 1 }]);
  tar[3] ^= 0x01;
  assert.throws(() => readTar(tar), TarFormatError);
});

Deno.test("readTar() refuses an entry that runs past the end", () => {
  const tar = writeTar([{ name: "x", data: new Uint8Array(1000), mode: 0o600, mtimeSeconds: 1 }]);
  assert.throws(() => readTar(tar.subarray(0, 1024)), /runs past the end/);
});

Deno.test("readTar() refuses non-zero bytes after the end marker and a partial block", () => {
  const tar = writeTar([{ name: "x", data: encoder.encode("1"), mode: 0o600, mtimeSeconds: 1 }]);
  const trailing = concat(tar, new Uint8Array(512).fill(1));
  assert.throws(() => readTar(trailing), /after the end-of-archive marker/);
  assert.throws(() => readTar(tar.subarray(0, 1100)), TarFormatError);
});

Deno.test("readTar() refuses a header that is not ustar and a non-octal size", () => {
  const noMagic = concat(rawHeader({ name: "x", type: "0", size: 0, magic: "nope\0\0\0\0" }));
  assert.throws(() => readTar(noMagic), /not ustar/);
  const header = rawHeader({ name: "x", type: "0", size: 0 });
  header.set(encoder.encode("0000000009\0"), 124);
  const sum = header.reduce((total, byte, i) => total + (i >= 148 && i < 156 ? 32 : byte), 0);
  header.set(encoder.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  assert.throws(() => readTar(header), /not octal/);
});

Deno.test("readTar() tolerates an archive without the end marker", () => {
  const tar = writeTar([{ name: "x", data: encoder.encode("1"), mode: 0o600, mtimeSeconds: 1 }]);
  assert.equal(readTar(tar.subarray(0, 1024))[0].name, "x");
});

Deno.test("readTar() reports non-regular entries with their type", () => {
  const tar = concat(rawHeader({ name: "dir/", type: "5", size: 0 }), new Uint8Array(1024));
  assert.deepEqual(readTar(tar).map((entry) => [entry.name, entry.type]), [["dir/", "5"]]);
});

Deno.test("readTar() applies a pax path and size to the next entry", () => {
  const pax = encoder.encode(paxRecord("path", "renamed.bin") + paxRecord("size", "3"));
  const tar = concat(
    rawHeader({ name: "PaxHeader/x", type: "x", size: pax.length }),
    padded(pax),
    rawHeader({ name: "x", type: "0", size: 0 }),
    padded(encoder.encode("abc")),
    new Uint8Array(1024),
  );
  const [entry] = readTar(tar);
  assert.equal(entry.name, "renamed.bin");
  assert.deepEqual([...entry.data], [...encoder.encode("abc")]);
});

Deno.test("readTar() refuses a malformed pax record and a dangling extended header", () => {
  const bad = encoder.encode("99 path=x\n");
  assert.throws(
    () => readTar(concat(rawHeader({ name: "p", type: "x", size: bad.length }), padded(bad))),
    /malformed pax record/,
  );
  const pax = encoder.encode(paxRecord("path", "y"));
  assert.throws(
    () => readTar(concat(rawHeader({ name: "p", type: "x", size: pax.length }), padded(pax))),
    /extended header with no entry/,
  );
});

Deno.test("readTar() applies a GNU long name and skips pax global headers", () => {
  const longName = encoder.encode("a/".repeat(80) + "meta.json\0");
  const global = encoder.encode(paxRecord("comment", "made by test"));
  const tar = concat(
    rawHeader({ name: "pax_global_header", type: "g", size: global.length }),
    padded(global),
    rawHeader({ name: "././@LongLink", type: "L", size: longName.length, magic: "ustar  \0" }),
    padded(longName),
    rawHeader({ name: "truncated", type: "0", size: 0, magic: "ustar  \0" }),
    new Uint8Array(1024),
  );
  assert.deepEqual(readTar(tar).map((entry) => entry.name), ["a/".repeat(80) + "meta.json"]);
});

Deno.test("readTar() joins the POSIX prefix field to the name", () => {
  const header = rawHeader({ name: "file", type: "0", size: 0 });
  header.set(encoder.encode("some/dir"), 345);
  const sum = header.reduce((total, byte, i) => total + (i >= 148 && i < 156 ? 32 : byte), 0);
  header.set(encoder.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  assert.equal(readTar(header)[0].name, "some/dir/file");
});

Deno.test("readTar() reads a GNU base-256 size", () => {
  const header = rawHeader({ name: "x", type: "0", size: 0 });
  header.fill(0, 124, 136);
  header[124] = 0x80;
  header[135] = 3;
  const sum = header.reduce((total, byte, i) => total + (i >= 148 && i < 156 ? 32 : byte), 0);
  header.set(encoder.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  const [entry] = readTar(concat(header, padded(encoder.encode("xyz"))));
  assert.equal(new TextDecoder().decode(entry.data), "xyz");
});

Deno.test("readTar() applies a pax size to the entry, not to a second extended header", () => {
  const sized = encoder.encode(paxRecord("size", "3"));
  const named = encoder.encode(paxRecord("path", "both.bin"));
  const tar = concat(
    rawHeader({ name: "p1", type: "x", size: sized.length }),
    padded(sized),
    rawHeader({ name: "p2", type: "x", size: named.length }),
    padded(named),
    rawHeader({ name: "x", type: "0", size: 0 }),
    padded(encoder.encode("abc")),
    new Uint8Array(1024),
  );
  const [entry] = readTar(tar);
  assert.equal(entry.name, "both.bin");
  assert.equal(new TextDecoder().decode(entry.data), "abc");
});
