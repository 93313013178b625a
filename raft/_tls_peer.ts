/**
 * One outbound mutual-TLS link to a peer: a bounded queue (drop oldest), one
 * long-lived connection, every flush writes the whole queue as one frame,
 * and reconnects use capped exponential backoff with jitter.
 *
 * @module
 */
import tls from "node:tls";
import { encodeFrame } from "./_frames.ts";
import type { Message } from "./types.ts";

/** Credentials and limits of a link. */
export interface PeerLinkOptions {
  address: string;
  ca: string;
  cert: string;
  key: string;
  maxQueuedMessages: number;
  /** Most messages per frame (keeps frames well under the receiver's limit). */
  maxBatchMessages: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** A connection still handshaking, or not draining its writes, after this long is dropped. */
  ioTimeoutMs: number;
  random: () => number;
}

function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(":");
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, "$1");
  return { host, port: Number(address.slice(at + 1)) };
}

/** An outbound link (see module doc). */
export class PeerLink {
  #options: PeerLinkOptions;
  #queue: Message[] = [];
  #socket: tls.TLSSocket | undefined;
  #connected = false;
  #draining = false;
  #flushScheduled = false;
  #backoffMs: number;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** When the current connection must be up (connecting) or drained (writing) by. */
  #deadline = 0;

  constructor(options: PeerLinkOptions) {
    this.#options = options;
    this.#backoffMs = options.backoffInitialMs;
  }

  get address(): string {
    return this.#options.address;
  }

  /** Queues messages and schedules a flush on the current turn's end. */
  enqueue(message: Message): void {
    if (this.#closed) return;
    // A peer that neither completes the handshake nor drains in time is treated as dead.
    if (this.#socket && (!this.#connected || this.#draining) && Date.now() > this.#deadline) {
      this.#socket.destroy();
    }
    this.#queue.push(message);
    const over = this.#queue.length - this.#options.maxQueuedMessages;
    if (over > 0) this.#queue.splice(0, over);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
  }

  #flush(): void {
    if (this.#closed || this.#queue.length === 0) return;
    if (!this.#socket) {
      if (this.#retryTimer === undefined) this.#connect();
      return;
    }
    if (!this.#connected || this.#draining) return;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#options.maxBatchMessages);
      if (!this.#socket.write(encodeFrame(batch))) {
        this.#draining = true;
        this.#deadline = Date.now() + this.#options.ioTimeoutMs;
        return;
      }
    }
  }

  #connect(): void {
    const { host, port } = splitAddress(this.#options.address);
    const socket = tls.connect({
      host,
      port,
      ca: this.#options.ca,
      cert: this.#options.cert,
      key: this.#options.key,
      ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
    });
    this.#socket = socket;
    this.#deadline = Date.now() + this.#options.ioTimeoutMs;
    socket.setNoDelay(true);
    socket.on("secureConnect", () => {
      this.#connected = true;
      this.#backoffMs = this.#options.backoffInitialMs;
      this.#flush();
    });
    socket.on("drain", () => {
      this.#draining = false;
      this.#flush();
    });
    // Inbound bytes on an outbound link are not part of the protocol; discard them.
    socket.on("data", () => {});
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.#onClose(socket));
  }

  #onClose(socket: tls.TLSSocket): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    this.#connected = false;
    this.#draining = false;
    if (this.#closed) return;
    const jitter = 0.5 + this.#options.random() / 2;
    const delay = Math.round(this.#backoffMs * jitter);
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#options.backoffMaxMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#queue.length > 0) this.#connect();
    }, delay);
  }

  /** Drops the queue and the connection. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#socket?.destroy();
    this.#socket = undefined;
  }
}
