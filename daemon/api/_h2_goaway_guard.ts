/**
 * The plaintext stream between a terminated TLS socket and grpc-js's HTTP/2 server, with the
 * client's GOAWAY frames cut out ({@link H2GoawayScanner}): Deno 2.9.6's nghttp2 aborts the
 * process on a client GOAWAY after many streams (see `_h2_frames.ts`).
 *
 * Decisions: after a client GOAWAY the connection stays open for the client's in-flight calls;
 * the client closes it when they are done (grpc-js does), which reaches nghttp2 as EOF, a path
 * that does not crash. A client that sends GOAWAY and then keeps the connection open idle gets
 * it closed {@link GOAWAY_LINGER_MS} later. The duplex mirrors the TLS socket's addresses, so
 * grpc-js's `getPeer()` names the real remote end; it is not a `TLSSocket`, so the peer
 * certificate is looked up by the caller ({@link GuardedConnection.tls}).
 *
 * @module
 */
import { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { H2GoawayScanner } from "./_h2_frames.ts";

/** How long a connection may stay open after the client's GOAWAY before it is closed. */
export const GOAWAY_LINGER_MS = 30_000;

/** A TLS connection wrapped for grpc-js, GOAWAY frames from the client removed. */
export class GuardedConnection extends Duplex {
  readonly #scanner = new H2GoawayScanner();
  #linger: ReturnType<typeof setTimeout> | undefined;

  /** Wraps `tls` (already handshaken); reads start once grpc-js reads from the duplex. */
  constructor(readonly tls: TLSSocket) {
    super({ allowHalfOpen: false });
    tls.pause();
    tls.on("data", (chunk: Uint8Array) => this.#onData(chunk));
    tls.on("end", () => this.push(null));
    tls.on("error", (error) => this.destroy(error));
    tls.on("close", () => this.destroy());
  }

  /** GOAWAY frames the client sent (and that were dropped). */
  get goawaysDropped(): number {
    return this.#scanner.goawaysSeen;
  }

  /** The remote address of the TLS connection. */
  get remoteAddress(): string | undefined {
    return this.tls.remoteAddress;
  }

  /** The remote port of the TLS connection. */
  get remotePort(): number | undefined {
    return this.tls.remotePort;
  }

  /** The remote address family of the TLS connection. */
  get remoteFamily(): string | undefined {
    return this.tls.remoteFamily;
  }

  /** The local address of the TLS connection. */
  get localAddress(): string | undefined {
    return this.tls.localAddress;
  }

  /** The local port of the TLS connection. */
  get localPort(): number | undefined {
    return this.tls.localPort;
  }

  /** Always true: the bytes travel over TLS. */
  get encrypted(): boolean {
    return true;
  }

  /** Passed on to the TLS socket. */
  setNoDelay(noDelay?: boolean): this {
    this.tls.setNoDelay(noDelay);
    return this;
  }

  /** Passed on to the TLS socket. */
  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.tls.setKeepAlive(enable, initialDelay);
    return this;
  }

  /**
   * Closes the connection without an HTTP/2 GOAWAY: TLS close_notify and FIN after the bytes
   * already written, destroyed if the peer has not closed its side within `graceMs`.
   */
  close(graceMs = 1_000): Promise<void> {
    if (this.tls.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.destroy(), graceMs);
      this.tls.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.tls.end();
    });
  }

  #onData(chunk: Uint8Array): void {
    const { forward, goaways } = this.#scanner.feed(chunk);
    let more = true;
    for (const part of forward) more = this.push(part) && more;
    if (!more) this.tls.pause();
    if (goaways > 0 && this.#linger === undefined) {
      this.#linger = setTimeout(() => this.destroy(), GOAWAY_LINGER_MS);
      Deno.unrefTimer(this.#linger as unknown as number);
    }
  }

  override _read(): void {
    this.tls.resume();
  }

  override _write(
    chunk: Uint8Array,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.tls.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.tls.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#linger);
    this.tls.destroy();
    callback(error);
  }
}
