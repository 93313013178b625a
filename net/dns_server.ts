/**
 * One DNS responder (networking.md §6.1): UDP and TCP on `<address>:<port>` (the bridge gateway,
 * port 53 in production), answering through {@link handleQuery} with the current answers of its
 * (deployment, network) scope.
 *
 * Binding retries with backoff 200 ms doubling to 5 s while the address is not (yet) on an
 * interface; the first failure is reported once through `onBindError`. UDP uses `node:dgram`
 * (stable in Deno, unlike `Deno.listenDatagram`), TCP `Deno.listen` with the 2-byte length
 * framing of RFC 1035 §4.2.2 (one connection may carry several queries).
 *
 * @module
 */
import dgram from "node:dgram";
import type { ScopeAnswers } from "./dns_answers.ts";
import { type ForwardLookup, handleQuery, type QueryLog } from "./dns_query.ts";

/** What a responder needs. */
export interface DnsResponderOptions {
  /** Address to bind (the gateway). */
  address: string;
  /** Port (53). */
  port: number;
  /** The responder's deployment (scope). */
  deployment: string;
  /** The scope's current answers (read per query, so rebuilt sets apply at once). */
  answers(): ScopeAnswers;
  /** The shared forwarder. */
  forward: ForwardLookup;
  /** Query logging. */
  log?: QueryLog;
  /** Called once, on the first failed bind attempt. */
  onBindError?(error: Error): void;
  /** First retry delay (200 ms). */
  retryMinMs?: number;
  /** Largest retry delay (5 s). */
  retryMaxMs?: number;
}

/** A running responder; `bound` resolves once both sockets listen. */
export class DnsResponder {
  readonly #options: DnsResponderOptions;
  readonly #controller = new AbortController();
  #udp: dgram.Socket | undefined;
  #tcp: Deno.TcpListener | undefined;
  readonly #connections = new Set<Deno.TcpConn>();
  /** Resolves when bound (never rejects; stays pending if stopped first). */
  readonly bound: Promise<void>;

  constructor(options: DnsResponderOptions) {
    this.#options = options;
    this.bound = this.#bindLoop();
  }

  /** Stops listening and closes open TCP connections. */
  stop(): void {
    this.#controller.abort();
    try {
      this.#udp?.close();
    } catch { /* already closed */ }
    try {
      this.#tcp?.close();
    } catch { /* already closed */ }
    for (const connection of this.#connections) {
      try {
        connection.close();
      } catch { /* already closed */ }
    }
  }

  #answer(message: Uint8Array): Promise<Uint8Array | undefined> {
    const { answers, deployment, forward, log } = this.#options;
    return handleQuery(message, answers(), deployment, forward, log);
  }

  async #bindLoop(): Promise<void> {
    const signal = this.#controller.signal;
    let delay = this.#options.retryMinMs ?? 200;
    let reported = false;
    while (!signal.aborted) {
      try {
        await this.#bind();
        return;
      } catch (error) {
        this.#closeSockets();
        if (!reported) this.#options.onBindError?.(error as Error);
        reported = true;
      }
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, delay);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve(undefined);
        }, { once: true });
      });
      delay = Math.min(delay * 2, this.#options.retryMaxMs ?? 5000);
    }
    await new Promise(() => {});
  }

  #closeSockets(): void {
    try {
      this.#udp?.close();
    } catch { /* not open */ }
    try {
      this.#tcp?.close();
    } catch { /* not open */ }
    this.#udp = undefined;
    this.#tcp = undefined;
  }

  async #bind(): Promise<void> {
    const { address, port } = this.#options;
    const udp = dgram.createSocket("udp4");
    this.#udp = udp;
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(port, address, () => {
        udp.off("error", reject);
        resolve();
      });
    });
    udp.on("error", () => {/* per-datagram errors are not fatal */});
    udp.on("message", async (message, remote) => {
      const response = await this.#answer(new Uint8Array(message));
      if (response && !this.#controller.signal.aborted) {
        udp.send(response, remote.port, remote.address);
      }
    });
    this.#tcp = Deno.listen({ hostname: address, port, transport: "tcp" });
    this.#acceptLoop(this.#tcp);
  }

  async #acceptLoop(listener: Deno.TcpListener): Promise<void> {
    try {
      for await (const connection of listener) {
        this.#connections.add(connection);
        this.#serveTcp(connection).finally(() => this.#connections.delete(connection));
      }
    } catch {
      // Listener closed.
    }
  }

  async #serveTcp(connection: Deno.TcpConn): Promise<void> {
    let buffer = new Uint8Array(0);
    try {
      for await (const chunk of connection.readable) {
        const joined = new Uint8Array(buffer.length + chunk.length);
        joined.set(buffer);
        joined.set(chunk, buffer.length);
        buffer = joined;
        while (buffer.length >= 2) {
          const length = (buffer[0] << 8) | buffer[1];
          if (buffer.length < 2 + length) break;
          const message = buffer.slice(2, 2 + length);
          buffer = buffer.slice(2 + length);
          const response = await this.#answer(message);
          if (!response) continue;
          const framed = new Uint8Array(2 + response.length);
          framed[0] = response.length >> 8;
          framed[1] = response.length & 0xff;
          framed.set(response, 2);
          await connection.write(framed);
        }
      }
    } catch {
      // Peer reset or responder stopped.
    } finally {
      try {
        connection.close();
      } catch { /* already closed */ }
    }
  }
}
