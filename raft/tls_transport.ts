/**
 * {@link Transport} over TCP with mutual TLS. Both directions verify against
 * the CA the caller supplies: the listener requires a client certificate
 * signed by it (no certificate, a self-signed one or one from another CA is
 * refused during the handshake, before any byte is read), and dialling
 * verifies the peer's server certificate against it.
 *
 * Each member dials one long-lived connection per peer and only writes to it;
 * inbound connections are only read. Every flush sends the whole per-peer
 * queue as one frame (see `_frames.ts`), so a Ready's messages to a peer cost
 * one TLS record, not one call each.
 *
 * Sender identity: when `checkSenderIdentity` is on (the default), a batch
 * is accepted only if every message's `from` is the common name or a DNS
 * subject alternative name of the connection's client certificate (JACO node
 * certificates name the hostname, which is the raft id), so one member cannot
 * speak for another.
 *
 * @module
 */
import tls from "node:tls";
import { FrameReader } from "./_frames.ts";
import { PeerLink } from "./_tls_peer.ts";
import { DEFAULT_MAX_QUEUED_MESSAGES, type MessageHandler, type Transport } from "./transport.ts";
import type { Message, NodeId } from "./types.ts";

/** The names a peer certificate vouches for: its CN and its DNS subject alternative names. */
function certificateNames(cert: tls.PeerCertificate | undefined): Set<string> {
  const names = new Set<string>();
  const cn = cert?.subject?.CN;
  if (typeof cn === "string") names.add(cn);
  for (const part of (cert?.subjectaltname ?? "").split(",")) {
    const [kind, value] = part.trim().split(":");
    if (kind === "DNS" && value) names.add(value);
  }
  return names;
}

/** Options of {@link TlsTransport.listen}. */
export interface TlsTransportOptions {
  /** This member's id; peers see it as the `from` of every message. */
  id: NodeId;
  /** Listen address; port 0 picks a free port (see {@link TlsTransport.port}). */
  hostname: string;
  /** Listen port. */
  port: number;
  /** PEM: the cluster CA, and this member's certificate and private key. */
  ca: string;
  /** This member's certificate (PEM, EKU serverAuth and clientAuth). */
  cert: string;
  /** This member's private key (PEM). */
  key: string;
  /** Require `from` to be named by the client certificate (CN or DNS SAN; default true). */
  checkSenderIdentity?: boolean;
  /** Bound of each peer's send queue (default {@link DEFAULT_MAX_QUEUED_MESSAGES}). */
  maxQueuedMessages?: number;
  /** Largest accepted frame (default 64 MiB). */
  maxFrameBytes?: number;
  /** Reconnect backoff: first delay and cap (defaults 50 ms and 1000 ms). */
  backoffInitialMs?: number;
  /** Cap of the reconnect backoff. */
  backoffMaxMs?: number;
  /** Handshake / write-drain timeout of outbound connections (default 10 000 ms). */
  ioTimeoutMs?: number;
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number;
}

/** Mutual-TLS TCP transport (see module doc). */
export class TlsTransport implements Transport {
  readonly id: NodeId;
  #options: TlsTransportOptions;
  #server: tls.Server;
  #handler: MessageHandler | undefined;
  #peers = new Map<NodeId, PeerLink>();
  #inbound = new Set<tls.TLSSocket>();
  #closed = false;

  private constructor(options: TlsTransportOptions, server: tls.Server) {
    this.id = options.id;
    this.#options = options;
    this.#server = server;
  }

  /**
   * Starts listening and returns the transport.
   * @throws {Error} when the address cannot be bound or the PEM material is invalid
   * @example
   * const t = await TlsTransport.listen({ id: "a", hostname: "127.0.0.1", port: 7001, ca, cert, key });
   * t.setPeer("b", "10.0.0.2:7001");
   */
  static async listen(options: TlsTransportOptions): Promise<TlsTransport> {
    const server = tls.createServer({
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: "TLSv1.2",
    });
    const transport = new TlsTransport(options, server);
    server.on("secureConnection", (socket) => transport.#accept(socket));
    // A failed handshake (bad or missing client certificate) only costs that connection.
    server.on("tlsClientError", () => {});
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.hostname, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return transport;
  }

  /** The bound port. */
  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  #accept(socket: tls.TLSSocket): void {
    if (this.#closed || !socket.authorized) {
      socket.destroy();
      return;
    }
    this.#inbound.add(socket);
    socket.setNoDelay(true);
    const peerNames = certificateNames(socket.getPeerCertificate());
    const checkSender = this.#options.checkSenderIdentity ?? true;
    const reader = new FrameReader(this.#options.maxFrameBytes ?? 64 * 1024 * 1024);
    socket.on("data", (chunk: Uint8Array) => {
      let batches: Message[][];
      try {
        batches = reader.push(chunk);
      } catch {
        // A peer speaking garbage (or another version) loses its connection; raft retries.
        socket.destroy();
        return;
      }
      for (const batch of batches) {
        if (checkSender && batch.some((m) => !peerNames.has(m.from))) {
          socket.destroy();
          return;
        }
        if (!this.#closed) this.#handler?.(batch);
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.#inbound.delete(socket));
  }

  onMessages(handler: MessageHandler): void {
    this.#handler = handler;
  }

  send(messages: readonly Message[]): void {
    if (this.#closed) return;
    for (const m of messages) this.#peers.get(m.to)?.enqueue(m);
  }

  setPeer(id: NodeId, address: string): void {
    const current = this.#peers.get(id);
    if (current?.address === address) return;
    current?.close();
    this.#peers.set(
      id,
      new PeerLink({
        address,
        ca: this.#options.ca,
        cert: this.#options.cert,
        key: this.#options.key,
        maxQueuedMessages: this.#options.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES,
        maxBatchMessages: 1024,
        backoffInitialMs: this.#options.backoffInitialMs ?? 50,
        backoffMaxMs: this.#options.backoffMaxMs ?? 1000,
        ioTimeoutMs: this.#options.ioTimeoutMs ?? 10_000,
        random: this.#options.random ?? Math.random,
      }),
    );
  }

  removePeer(id: NodeId): void {
    this.#peers.get(id)?.close();
    this.#peers.delete(id);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of this.#peers.values()) link.close();
    this.#peers.clear();
    for (const socket of this.#inbound) socket.destroy();
    this.#inbound.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
