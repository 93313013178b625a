/**
 * Binary encoding of raft data: message batches (the transport's frame
 * payload) and the hard state / membership records kept by storage.
 *
 * Every top-level encoding starts with a version byte so a newer node can
 * refuse (not misread) an older peer's bytes. Numbers are varints, byte
 * strings and node ids are length-prefixed. Decoding untrusted bytes only ever
 * throws {@link CodecError}.
 *
 * @module
 */
import { ByteReader, ByteWriter, CodecError } from "./_bytes.ts";
import {
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type Message,
  MessageType,
  type SnapshotChunk,
  type SnapshotMeta,
} from "./types.ts";

export { CodecError };

/** Version byte of every encoding produced by this module. */
export const CODEC_VERSION = 1;

const entryTypes: EntryType[] = [EntryType.normal, EntryType.confChange];
const messageTypes: MessageType[] = Object.values(MessageType);
const entryTypeCode = new Map(entryTypes.map((t, i) => [t, i]));
const messageTypeCode = new Map(messageTypes.map((t, i) => [t, i]));

const FLAG_REJECT = 1;
const FLAG_SNAPSHOT = 2;
const FLAG_CONTEXT = 4;

function version(r: ByteReader, what: string): void {
  const v = r.byte();
  if (v !== CODEC_VERSION) throw new CodecError(`codec: unsupported ${what} version ${v}`);
}

function writeEntry(w: ByteWriter, e: Entry): void {
  w.byte(entryTypeCode.get(e.type) ?? 0);
  w.uint(e.term);
  w.uint(e.index);
  w.bytes(e.data);
}

function readEntry(r: ByteReader): Entry {
  const code = r.byte();
  const type = entryTypes[code];
  if (type === undefined) throw new CodecError(`codec: unknown entry type ${code}`);
  return { type, term: r.uint(), index: r.uint(), data: r.bytes() };
}

/** Numeric code of an entry type as stored in the log table. */
export function entryTypeToCode(type: EntryType): number {
  return entryTypeCode.get(type) ?? 0;
}

/**
 * Entry type of a stored numeric code.
 * @throws {CodecError} on an unknown code
 */
export function entryTypeFromCode(code: number): EntryType {
  const type = entryTypes[code];
  if (type === undefined) throw new CodecError(`codec: unknown entry type ${code}`);
  return type;
}

function writeIds(w: ByteWriter, ids: readonly string[]): void {
  w.uint(ids.length);
  for (const id of ids) w.string(id);
}

function readIds(r: ByteReader): string[] {
  const n = r.count(1);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(r.string());
  return ids;
}

function writeConf(w: ByteWriter, conf: ConfState): void {
  writeIds(w, conf.voters);
  writeIds(w, conf.learners);
}

function readConf(r: ByteReader): ConfState {
  return { voters: readIds(r), learners: readIds(r) };
}

function writeMeta(w: ByteWriter, meta: SnapshotMeta): void {
  w.uint(meta.index);
  w.uint(meta.term);
  writeConf(w, meta.conf);
}

function readMeta(r: ByteReader): SnapshotMeta {
  return { index: r.uint(), term: r.uint(), conf: readConf(r) };
}

function writeMessage(w: ByteWriter, m: Message): void {
  w.byte(messageTypeCode.get(m.type) ?? 0);
  w.string(m.from);
  w.string(m.to);
  w.uint(m.term);
  w.uint(m.logTerm);
  w.uint(m.index);
  w.uint(m.commit);
  w.uint(m.rejectHint);
  w.uint(m.rejectTerm);
  const flags = (m.reject ? FLAG_REJECT : 0) | (m.snapshot ? FLAG_SNAPSHOT : 0) |
    (m.context ? FLAG_CONTEXT : 0);
  w.byte(flags);
  w.uint(m.entries.length);
  for (const e of m.entries) writeEntry(w, e);
  if (m.snapshot) {
    writeMeta(w, m.snapshot.meta);
    w.uint(m.snapshot.offset);
    w.bytes(m.snapshot.data);
    w.byte(m.snapshot.done ? 1 : 0);
  }
  if (m.context) w.bytes(m.context);
}

function readMessage(r: ByteReader): Message {
  const code = r.byte();
  const type = messageTypes[code];
  if (type === undefined) throw new CodecError(`codec: unknown message type ${code}`);
  const m: Message = {
    type,
    from: r.string(),
    to: r.string(),
    term: r.uint(),
    logTerm: r.uint(),
    index: r.uint(),
    commit: r.uint(),
    rejectHint: r.uint(),
    rejectTerm: r.uint(),
    reject: false,
    entries: [],
  };
  const flags = r.byte();
  if (flags > 7) throw new CodecError(`codec: unknown message flags ${flags}`);
  m.reject = (flags & FLAG_REJECT) !== 0;
  const n = r.count(4);
  for (let i = 0; i < n; i++) m.entries.push(readEntry(r));
  if (flags & FLAG_SNAPSHOT) {
    const chunk: SnapshotChunk = {
      meta: readMeta(r),
      offset: r.uint(),
      data: r.bytes(),
      done: r.bool(),
    };
    m.snapshot = chunk;
  }
  if (flags & FLAG_CONTEXT) m.context = r.bytes();
  return m;
}

/**
 * Encodes a batch of messages as one versioned payload (one transport frame).
 * @example
 * const bytes = encodeMessages(ready.messages);
 * const same = decodeMessages(bytes);
 */
export function encodeMessages(messages: readonly Message[]): Uint8Array {
  const w = new ByteWriter(64 + messages.length * 48);
  w.byte(CODEC_VERSION);
  w.uint(messages.length);
  for (const m of messages) writeMessage(w, m);
  return w.finish();
}

/**
 * Decodes a batch produced by {@link encodeMessages}.
 * @throws {CodecError} when the bytes are not a complete, valid batch
 */
export function decodeMessages(bytes: Uint8Array): Message[] {
  const r = new ByteReader(bytes);
  version(r, "message batch");
  const n = r.count(12);
  const out: Message[] = [];
  for (let i = 0; i < n; i++) out.push(readMessage(r));
  r.end();
  return out;
}

/** Encodes a hard state record for storage. */
export function encodeHardState(hs: HardState): Uint8Array {
  const w = new ByteWriter(32);
  w.byte(CODEC_VERSION);
  w.uint(hs.term);
  w.string(hs.vote);
  w.uint(hs.commit);
  return w.finish().slice();
}

/**
 * Decodes a hard state record.
 * @throws {CodecError} on invalid bytes
 */
export function decodeHardState(bytes: Uint8Array): HardState {
  const r = new ByteReader(bytes);
  version(r, "hard state");
  const hs = { term: r.uint(), vote: r.string(), commit: r.uint() };
  r.end();
  return hs;
}

/** Encodes a membership record for storage. */
export function encodeConfState(conf: ConfState): Uint8Array {
  const w = new ByteWriter(64);
  w.byte(CODEC_VERSION);
  writeConf(w, conf);
  return w.finish().slice();
}

/**
 * Decodes a membership record.
 * @throws {CodecError} on invalid bytes
 */
export function decodeConfState(bytes: Uint8Array): ConfState {
  const r = new ByteReader(bytes);
  version(r, "conf state");
  const conf = readConf(r);
  r.end();
  return conf;
}

/** Encodes snapshot metadata (the header of a snapshot file). */
export function encodeSnapshotMeta(meta: SnapshotMeta): Uint8Array {
  const w = new ByteWriter(64);
  w.byte(CODEC_VERSION);
  writeMeta(w, meta);
  return w.finish().slice();
}

/**
 * Decodes snapshot metadata.
 * @throws {CodecError} on invalid bytes
 */
export function decodeSnapshotMeta(bytes: Uint8Array): SnapshotMeta {
  const r = new ByteReader(bytes);
  version(r, "snapshot meta");
  const meta = readMeta(r);
  r.end();
  return meta;
}
