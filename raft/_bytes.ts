/**
 * Growable byte writer and bounds-checked reader behind the raft codec.
 * Numbers are unsigned LEB128 varints computed with arithmetic (not bitwise
 * operators) so every safe integer round-trips; strings are length-prefixed
 * UTF-8.
 *
 * @module
 */

/** Decoding met bytes that are not a valid encoding (truncated, oversized, unknown tag). */
export class CodecError extends Error {
  /** Creates a codec error; `cause` carries the underlying failure, if any. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CodecError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Appends primitives to a buffer that grows by doubling. */
export class ByteWriter {
  #buf: Uint8Array;
  #len = 0;

  constructor(initialBytes = 256) {
    this.#buf = new Uint8Array(initialBytes);
  }

  #reserve(extra: number): void {
    const need = this.#len + extra;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  byte(value: number): void {
    this.#reserve(1);
    this.#buf[this.#len++] = value;
  }

  uint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`codec: uint out of range: ${value}`);
    }
    this.#reserve(8);
    let v = value;
    while (v >= 0x80) {
      this.#buf[this.#len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buf[this.#len++] = v;
  }

  bytes(value: Uint8Array): void {
    this.uint(value.length);
    this.#reserve(value.length);
    this.#buf.set(value, this.#len);
    this.#len += value.length;
  }

  string(value: string): void {
    this.bytes(encoder.encode(value));
  }

  /** Overwrites 4 bytes at `offset` with a big-endian u32 (used for frame headers). */
  patchU32(offset: number, value: number): void {
    new DataView(this.#buf.buffer).setUint32(offset, value);
  }

  get length(): number {
    return this.#len;
  }

  /** The bytes written so far (a view; copy it if the writer is reused). */
  finish(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }
}

/** Reads primitives from a byte array; every read throws {@link CodecError} past the end. */
export class ByteReader {
  #buf: Uint8Array;
  #pos = 0;

  constructor(buf: Uint8Array) {
    this.#buf = buf;
  }

  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  byte(): number {
    if (this.#pos >= this.#buf.length) throw new CodecError("codec: truncated input");
    return this.#buf[this.#pos++];
  }

  uint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(result)) throw new CodecError("codec: varint exceeds 2^53");
        return result;
      }
      scale *= 0x80;
    }
    throw new CodecError("codec: varint too long");
  }

  bytes(): Uint8Array {
    const len = this.uint();
    if (len > this.remaining) {
      throw new CodecError(`codec: length ${len} exceeds remaining ${this.remaining} bytes`);
    }
    const out = this.#buf.slice(this.#pos, this.#pos + len);
    this.#pos += len;
    return out;
  }

  string(): string {
    const raw = this.bytes();
    try {
      return decoder.decode(raw);
    } catch (cause) {
      throw new CodecError("codec: invalid utf-8 string", { cause });
    }
  }

  bool(): boolean {
    const b = this.byte();
    if (b > 1) throw new CodecError(`codec: invalid boolean byte ${b}`);
    return b === 1;
  }

  /** A count of items that each take at least `minItemBytes`; refuses impossible counts early. */
  count(minItemBytes: number): number {
    const n = this.uint();
    if (n * minItemBytes > this.remaining) {
      throw new CodecError(`codec: count ${n} exceeds remaining ${this.remaining} bytes`);
    }
    return n;
  }

  /** Throws unless every byte was consumed (trailing garbage means a framing bug). */
  end(): void {
    if (this.remaining !== 0) {
      throw new CodecError(`codec: ${this.remaining} trailing bytes`);
    }
  }
}
