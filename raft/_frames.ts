/**
 * Length-prefixed framing of message batches on a byte stream: a big-endian
 * u32 payload length, then the codec payload. The reader reassembles frames
 * from arbitrary chunks and refuses frames above a size limit.
 *
 * @module
 */
import { CodecError, decodeMessages, encodeMessages } from "./codec.ts";
import type { Message } from "./types.ts";

/** Encodes `messages` as one frame (header + payload). */
export function encodeFrame(messages: readonly Message[]): Uint8Array {
  const payload = encodeMessages(messages);
  const frame = new Uint8Array(4 + payload.length);
  new DataView(frame.buffer).setUint32(0, payload.length);
  frame.set(payload, 4);
  return frame;
}

/** Reassembles frames from stream chunks. */
export class FrameReader {
  #maxFrameBytes: number;
  #buf = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /**
   * Adds a chunk and returns the batches of every frame it completed.
   * @throws {CodecError} on an oversized frame or an undecodable payload
   */
  push(chunk: Uint8Array): Message[][] {
    this.#append(chunk);
    const out: Message[][] = [];
    while (this.#end - this.#start >= 4) {
      const view = new DataView(this.#buf.buffer, this.#start, 4);
      const length = view.getUint32(0);
      if (length > this.#maxFrameBytes) {
        throw new CodecError(`frame of ${length} bytes exceeds limit ${this.#maxFrameBytes}`);
      }
      if (this.#end - this.#start < 4 + length) break;
      const payload = this.#buf.subarray(this.#start + 4, this.#start + 4 + length);
      this.#start += 4 + length;
      out.push(decodeMessages(payload));
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return out;
  }

  #append(chunk: Uint8Array): void {
    if (this.#end + chunk.length > this.#buf.length) {
      const live = this.#end - this.#start;
      let size = this.#buf.length;
      while (size < live + chunk.length) size *= 2;
      if (size === this.#buf.length) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        const next = new Uint8Array(size);
        next.set(this.#buf.subarray(this.#start, this.#end), 0);
        this.#buf = next;
      }
      this.#end = live;
      this.#start = 0;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }
}
