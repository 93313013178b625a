/**
 * An incremental scanner of the client-to-server HTTP/2 byte stream (RFC 9113 §3.4, §4.1) that
 * cuts GOAWAY frames (type 0x7) out of it and passes every other byte through unchanged.
 *
 * Why: Deno 2.9.6's `node:http2` (nghttp2) aborts the whole process
 * (`nghttp2_session.c:2402 find_stream_on_goaway_func`, exit 134, sometimes 139) when a client
 * that opened a few hundred streams on one connection sends GOAWAY — any grpc-js channel that
 * is closed does. The server never needs the client's GOAWAY: the client stops opening streams
 * and closes the TCP connection once its own streams are done, which the server sees as EOF.
 *
 * Decisions: the 24-byte client preface is passed through without being checked (nghttp2 checks
 * it); frame lengths are not bounded here (nghttp2 enforces SETTINGS_MAX_FRAME_SIZE and answers
 * with FRAME_SIZE_ERROR); a GOAWAY is dropped whole, header and payload, even when split across
 * any number of chunks; the scanner never copies payload bytes, it returns sub-views of the
 * chunks it was fed (a 9-byte header split across chunks is the only thing it buffers).
 *
 * @module
 */

/** Length of the HTTP/2 client connection preface ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"). */
export const CLIENT_PREFACE_LENGTH = 24;
/** Length of an HTTP/2 frame header. */
export const FRAME_HEADER_LENGTH = 9;
/** HTTP/2 frame type of GOAWAY. */
export const GOAWAY_FRAME_TYPE = 0x7;

/** Result of {@link H2GoawayScanner.feed}. */
export interface ScanResult {
  /** Bytes to hand on, in order (sub-views of the fed chunk, or a re-assembled header). */
  forward: Uint8Array[];
  /** Number of GOAWAY frames whose header ended inside this chunk. */
  goaways: number;
}

/** Cuts GOAWAY frames out of a client-to-server HTTP/2 byte stream fed chunk by chunk. */
export class H2GoawayScanner {
  #prefaceLeft = CLIENT_PREFACE_LENGTH;
  #header = new Uint8Array(FRAME_HEADER_LENGTH);
  #headerFill = 0;
  #payloadLeft = 0;
  #dropping = false;
  #goaways = 0;

  /** GOAWAY frames seen so far. */
  get goawaysSeen(): number {
    return this.#goaways;
  }

  /** Scans one chunk; returns the bytes to forward (GOAWAY frames removed). */
  feed(chunk: Uint8Array): ScanResult {
    const forward: Uint8Array[] = [];
    let goaways = 0;
    let offset = 0;
    let runStart = 0; // start of the pass-through run not yet pushed to `forward`
    const flushRun = (end: number) => {
      if (end > runStart) forward.push(chunk.subarray(runStart, end));
    };
    while (offset < chunk.length) {
      if (this.#prefaceLeft > 0) {
        const take = Math.min(this.#prefaceLeft, chunk.length - offset);
        this.#prefaceLeft -= take;
        offset += take;
        continue;
      }
      if (this.#payloadLeft > 0) {
        const take = Math.min(this.#payloadLeft, chunk.length - offset);
        if (this.#dropping) {
          flushRun(offset);
          runStart = offset + take;
        }
        this.#payloadLeft -= take;
        offset += take;
        continue;
      }
      // Reading a frame header.
      if (this.#headerFill === 0 && chunk.length - offset >= FRAME_HEADER_LENGTH) {
        const type = chunk[offset + 3];
        const length = (chunk[offset] << 16) | (chunk[offset + 1] << 8) | chunk[offset + 2];
        this.#startFrame(type, length);
        if (this.#dropping) {
          goaways++;
          flushRun(offset);
          runStart = offset + FRAME_HEADER_LENGTH;
        }
        offset += FRAME_HEADER_LENGTH;
        continue;
      }
      // A header split across chunks: buffer it, emit it (or not) once complete.
      flushRun(offset);
      const take = Math.min(FRAME_HEADER_LENGTH - this.#headerFill, chunk.length - offset);
      this.#header.set(chunk.subarray(offset, offset + take), this.#headerFill);
      this.#headerFill += take;
      offset += take;
      runStart = offset;
      if (this.#headerFill === FRAME_HEADER_LENGTH) {
        const header = this.#header;
        this.#header = new Uint8Array(FRAME_HEADER_LENGTH);
        this.#headerFill = 0;
        this.#startFrame(header[3], (header[0] << 16) | (header[1] << 8) | header[2]);
        if (this.#dropping) goaways++;
        else forward.push(header);
      }
    }
    flushRun(offset);
    this.#goaways += goaways;
    return { forward, goaways };
  }

  #startFrame(type: number, length: number): void {
    this.#dropping = type === GOAWAY_FRAME_TYPE;
    this.#payloadLeft = length;
  }
}
