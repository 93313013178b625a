/**
 * A small ustar (POSIX.1-1988) writer and a reader that also understands the headers real `tar`
 * tools add around regular files: GNU magic, GNU long names (`L`), pax extended headers (`x`,
 * e.g. the xattrs macOS `bsdtar` records) and pax global headers (`g`, ignored).
 *
 * The reader reports every entry with its type so the caller decides which are allowed; it
 * only throws {@link TarFormatError} for bytes that are not a well-formed archive (bad header
 * checksum, bad numeric field, entry running past the end, data after the end marker).
 *
 * @module
 */

const BLOCK = 512;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

/** Typeflags of headers that describe the next entry (pax, pax global, GNU long name). */
const EXTENSION_TYPES = new Set(["x", "g", "L"]);

/** Largest size an 11-digit octal field holds (8 GiB - 1). */
const MAX_OCTAL_SIZE = 8 ** 11 - 1;

/** The bytes are not a well-formed tar archive. */
export class TarFormatError extends Error {
  override name = "TarFormatError";
}

/** A regular file to write. */
export interface TarFileInput {
  name: string;
  data: Uint8Array;
  /** Permission bits, e.g. `0o600`. */
  mode: number;
  /** Modification time in whole seconds since the epoch. */
  mtimeSeconds: number;
}

/** One entry as read back (pax/GNU long-name headers already folded into the next entry). */
export interface TarEntry {
  name: string;
  /** The raw typeflag character (`"0"` for a regular file; `"5"` a directory, …). */
  type: string;
  mode: number;
  mtimeSeconds: number;
  data: Uint8Array;
}

function writeString(block: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  if (bytes.length > length) throw new RangeError(`tar field too long: ${value}`);
  block.set(bytes, offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  // length - 1 digits then a NUL, the form every reader accepts.
  writeString(block, offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

function headerChecksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return sum;
}

function fileHeader(file: TarFileInput): Uint8Array {
  if (file.data.length > MAX_OCTAL_SIZE) {
    throw new RangeError(
      `tar entry ${file.name} is ${file.data.length} bytes (max ${MAX_OCTAL_SIZE})`,
    );
  }
  const header = new Uint8Array(BLOCK);
  writeString(header, 0, 100, file.name);
  writeOctal(header, 100, 8, file.mode);
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, file.data.length);
  writeOctal(header, 136, 12, file.mtimeSeconds);
  header[156] = 0x30; // "0": regular file
  writeString(header, 257, 8, "ustar\x0000");
  writeOctal(header, 329, 8, 0); // devmajor
  writeOctal(header, 337, 8, 0); // devminor
  writeString(header, 148, 8, headerChecksum(header).toString(8).padStart(6, "0") + "\0 ");
  return header;
}

function paddedLength(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** Serialises regular files as a ustar archive ending in the two zero blocks. */
export function writeTar(files: readonly TarFileInput[]): Uint8Array<ArrayBuffer> {
  const total = files.reduce((sum, file) => sum + BLOCK + paddedLength(file.data.length), 0) +
    2 * BLOCK;
  const out = new Uint8Array(total);
  let at = 0;
  for (const file of files) {
    out.set(fileHeader(file), at);
    out.set(file.data, at + BLOCK);
    at += BLOCK + paddedLength(file.data.length);
  }
  return out;
}

function readString(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decoder.decode(end === -1 ? field : field.subarray(0, end));
}

function readNumber(block: Uint8Array, offset: number, length: number, field: string): number {
  const bytes = block.subarray(offset, offset + length);
  if (bytes[0] & 0x80) {
    // GNU base-256: big-endian binary after the marker bit.
    let value = bytes[0] & 0x7f;
    for (const byte of bytes.subarray(1)) value = value * 256 + byte;
    if (!Number.isSafeInteger(value)) throw new TarFormatError(`tar ${field} field out of range`);
    return value;
  }
  const text = decoder.decode(bytes).replace(/[\0 ]+$/, "").replace(/^ +/, "");
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`tar ${field} field is not octal: ${text}`);
  return parseInt(text, 8);
}

function isZeroBlock(block: Uint8Array): boolean {
  return block.every((byte) => byte === 0);
}

/** Key/value records of a pax extended header (`<len> <key>=<value>\n`). */
function paxRecords(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = space === -1 ? NaN : Number(decoder.decode(data.subarray(at, space)));
    if (!Number.isSafeInteger(length) || length <= space - at || at + length > data.length) {
      throw new TarFormatError(`malformed pax record at byte ${at}`);
    }
    const record = decoder.decode(data.subarray(space + 1, at + length - 1));
    const equals = record.indexOf("=");
    if (equals === -1) throw new TarFormatError(`malformed pax record at byte ${at}`);
    records.set(record.slice(0, equals), record.slice(equals + 1));
    at += length;
  }
  return records;
}

interface Pending {
  name?: string;
  size?: number;
}

/**
 * Parses every entry of a tar archive. Entries are returned whatever their type; a missing end
 * marker is tolerated (the archive simply ends after the last entry), bytes after it must be
 * zero padding.
 *
 * @throws {TarFormatError} when a header or entry is malformed or truncated
 */
export function readTar(bytes: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let pending: Pending = {};
  let at = 0;
  while (at + BLOCK <= bytes.length) {
    const header = bytes.subarray(at, at + BLOCK);
    if (isZeroBlock(header)) {
      if (!isZeroBlock(bytes.subarray(at))) {
        throw new TarFormatError(`data after the end-of-archive marker at byte ${at}`);
      }
      return finish(entries, pending);
    }
    const stored = readNumber(header, 148, 8, "checksum");
    if (stored !== headerChecksum(header)) {
      throw new TarFormatError(`header checksum mismatch at byte ${at}`);
    }
    if (readString(header, 257, 5) !== "ustar") {
      throw new TarFormatError(`header at byte ${at} is not ustar`);
    }
    const type = String.fromCharCode(header[156] || 0x30);
    const headerSize = readNumber(header, 124, 12, "size");
    // A pax size overrides only the entry the extended headers describe, not another header.
    const size = EXTENSION_TYPES.has(type) ? headerSize : pending.size ?? headerSize;
    const dataStart = at + BLOCK;
    if (dataStart + size > bytes.length) {
      throw new TarFormatError(`entry at byte ${at} runs past the end (${size} bytes declared)`);
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    at = dataStart + paddedLength(size);
    if (type === "x") {
      const records = paxRecords(data);
      const paxSize = records.get("size");
      pending = {
        name: records.get("path") ?? pending.name,
        size: paxSize === undefined ? pending.size : parsePaxSize(paxSize),
      };
      continue;
    }
    if (type === "g") continue; // global defaults (comments, charset) change nothing we read
    if (type === "L") {
      pending = { ...pending, name: decoder.decode(data).replace(/\0+$/, "") };
      continue;
    }
    entries.push({
      name: pending.name ?? entryName(header),
      type,
      mode: readNumber(header, 100, 8, "mode"),
      mtimeSeconds: readNumber(header, 136, 12, "mtime"),
      data,
    });
    pending = {};
  }
  if (at !== bytes.length) throw new TarFormatError(`archive ends inside a block at byte ${at}`);
  return finish(entries, pending);
}

function parsePaxSize(text: string): number {
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new TarFormatError(`pax size is not a number: ${text}`);
  }
  return Number(text);
}

function entryName(header: Uint8Array): string {
  const name = readString(header, 0, 100);
  // Only POSIX ustar has a prefix field; old GNU headers keep atime/ctime at the same offset.
  const posix = readString(header, 257, 6) === "ustar" && header[262] === 0;
  const prefix = posix ? readString(header, 345, 155) : "";
  return prefix === "" ? name : `${prefix}/${name}`;
}

function finish(entries: TarEntry[], pending: Pending): TarEntry[] {
  if (pending.name !== undefined || pending.size !== undefined) {
    throw new TarFormatError("archive ends after an extended header with no entry");
  }
  return entries;
}
