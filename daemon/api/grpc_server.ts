/**
 * The control API over gRPC on the TLS TCP listener (`listen_addr`, :7000), derived from the
 * same {@link Dispatcher} as the local JSON API. Failures leave as `toGrpcStatus` statuses
 * (code as status message, `jaco-error-bin` envelope in the trailers).
 *
 * TLS is terminated here with `node:tls` and the plaintext stream is injected into grpc-js's
 * HTTP/2 server (`createConnectionInjector`) through a {@link GuardedConnection} that drops the
 * client's HTTP/2 GOAWAY frames: Deno 2.9.6's nghttp2 aborts the process on a client GOAWAY
 * after a few hundred streams on one connection (any closed grpc-js channel sends one), so
 * anyone reaching :7000 could kill the node. See `_h2_frames.ts`.
 *
 * Client certificates are requested but not required: operators connect without one (bearer
 * token), nodes present their CA-signed node certificate for `Internal.*`. The listener uses
 * `requestCert: true, rejectUnauthorized: false` with the cluster CA as trust root: the TLS layer
 * verifies any presented chain against the CA and marks the socket `authorized`; only an
 * authorized socket's certificate reaches admission (the call's TLS socket is found by its
 * `getPeer()` address), so a missing, self-signed or foreign-CA certificate all reach admission
 * as "no peer certificate" and `Internal.*` refuses them. TLS 1.2 is the minimum, ALPN `h2`;
 * plaintext clients fail the handshake.
 *
 * Decisions: undecodable protobuf requests are `validation_failed`; messages over
 * `maxMessageBytes` (16 MiB, same as the socket) are refused by grpc-js itself with a bare
 * ResourceExhausted before any handler runs; `shutdown()` aborts open streams (follow streams
 * never end on their own) and ends them with a retryable Unavailable ({@link shuttingDown}),
 * waits up to 5 s for running handlers, then closes the connections at the TLS/TCP level
 * WITHOUT an HTTP/2 GOAWAY (a server GOAWAY crashes Deno grpc-js clients the same way).
 * Swapping the certificate needs a new server (a new listener).
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import tls from "node:tls";
import { GuardedConnection } from "./_h2_goaway_guard.ts";
import { asJacoError, JacoError, type RpcMethod, services } from "../../proto/mod.ts";
import { grpcErrorOf } from "./_status.ts";
import type { Dispatcher } from "./dispatcher.ts";
import { shuttingDown, unimplemented } from "./status_errors.ts";
import type { CallContext, PeerCertificate } from "./handler_table.ts";

/** TLS material of the listener (PEM text). */
export interface GrpcTlsOptions {
  /** Cluster CA: the trust root for client certificates. */
  caPem: string;
  /** This node's certificate chain. */
  certPem: string;
  /** This node's private key. */
  keyPem: string;
  /** `optional`: ask for a client certificate, accept calls without one (the contract). */
  requireClientCert: "optional" | "required";
}

/** Options of {@link createGrpcServer}. */
export interface GrpcServerOptions {
  /** TLS material; there is no plaintext mode. */
  tls: GrpcTlsOptions;
  /** Largest request message (default 16 MiB). */
  maxMessageBytes?: number;
}

/** A gRPC API server. */
export interface GrpcApiServer {
  /** Binds `host:port` (port 0 picks one) and returns the bound port. */
  listen(address: string): Promise<number>;
  /** Aborts open streams, then stops accepting and waits for in-flight calls. */
  shutdown(): Promise<void>;
}

function tlsServerOptions(options: GrpcTlsOptions): tls.TlsOptions {
  return {
    requestCert: true,
    rejectUnauthorized: options.requireClientCert === "required",
    minVersion: "TLSv1.2",
    ALPNProtocols: ["h2"],
    ca: Buffer.from(options.caPem),
    cert: Buffer.from(options.certPem),
    key: Buffer.from(options.keyPem),
  };
}

/** Longest wait in `shutdown()` for running handlers before connections are closed. */
const SHUTDOWN_DRAIN_MS = 5_000;

/** Resolves once all `work` settled or `ms` passed. */
async function settleWithin(work: Promise<unknown>[], ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.allSettled(work),
    new Promise((resolve) => timer = setTimeout(resolve, ms)),
  ]);
  clearTimeout(timer);
}

/** Splits `host:port` / `[v6]:port` into its parts. */
function hostPortOf(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!match) {
    throw new JacoError("validation_failed", `listen address "${address}" is not host:port`, {
      address,
    });
  }
  return { host: match[1], port: Number(match[2]) };
}

/** Returned by the request deserializer instead of throwing, so the failure is typed. */
class UndecodableRequest {
  constructor(readonly reason: string) {}
}

function metadataHeaders(metadata: grpc.Metadata): Headers {
  const headers = new Headers();
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    if (key.endsWith("-bin")) continue;
    for (const value of values) {
      try {
        headers.append(key, String(value));
      } catch {
        // A value Headers refuses (grpc-js allows a wider byte range) cannot carry a token or a
        // request id we would accept anyway; dropping it keeps the call typed, not crashed.
      }
    }
  }
  return headers;
}

function peerCertificateOf(socket: tls.TLSSocket | undefined): PeerCertificate | undefined {
  // Only a chain the TLS layer verified against the cluster CA counts (see the module doc).
  if (!socket?.authorized) return undefined;
  const certificate = socket.getPeerCertificate();
  if (!certificate?.fingerprint256) return undefined;
  const commonName: unknown = certificate.subject?.CN;
  return {
    fingerprint: certificate.fingerprint256,
    commonName: typeof commonName === "string" ? commonName : "",
  };
}

function withTypedDecoding(definition: grpc.MethodDefinition<unknown, unknown>) {
  return {
    ...definition,
    requestDeserialize(bytes: Buffer): unknown {
      try {
        return definition.requestDeserialize(bytes);
      } catch (error) {
        return new UndecodableRequest(error instanceof Error ? error.message : String(error));
      }
    },
  };
}

function checkDecoded(request: unknown): void {
  if (request instanceof UndecodableRequest) {
    throw new JacoError("validation_failed", "request is not a valid protobuf message", {
      reason: request.reason,
    });
  }
}

type ServerCall =
  | grpc.ServerUnaryCall<unknown, unknown>
  | grpc.ServerWritableStream<unknown, unknown>;

/**
 * Serves `dispatcher` over gRPC with TLS.
 *
 * @example
 * ```ts
 * const server = createGrpcServer(dispatcher, {
 *   tls: { caPem, certPem, keyPem, requireClientCert: "optional" },
 * });
 * const port = await server.listen("0.0.0.0:7000");
 * ```
 */
export function createGrpcServer(
  dispatcher: Dispatcher,
  options: GrpcServerOptions,
): GrpcApiServer {
  const maxMessageBytes = options.maxMessageBytes ?? 16 * 1024 * 1024;
  const server = new grpc.Server({
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": -1,
  });
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  /** Live connections by `getPeer()` string, to find a call's TLS socket. */
  const connections = new Map<string, GuardedConnection>();
  const listener = tls.createServer(tlsServerOptions(options.tls), (socket) => {
    const connection = new GuardedConnection(socket);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    connections.set(peer, connection);
    connection.on("close", () => {
      if (connections.get(peer) === connection) connections.delete(peer);
    });
    injector.injectConnection(connection);
  });
  // A failed handshake or a reset connection is the client's problem, not the listener's.
  listener.on("tlsClientError", () => {});
  const open = new Set<AbortController>();
  /** Handlers still running (unary and stream), awaited by `shutdown()` before disconnecting. */
  const running = new Set<Promise<unknown>>();
  const runTracked = (work: Promise<unknown>) => {
    running.add(work);
    work.finally(() => running.delete(work));
  };
  let closing = false;

  async function admit(
    method: RpcMethod<unknown, unknown>,
    call: ServerCall,
    lifetime: AbortController,
  ): Promise<CallContext> {
    const context = await dispatcher.admit({
      path: method.path,
      transport: "tcp",
      metadata: metadataHeaders(call.metadata),
      peerCertificate: peerCertificateOf(connections.get(call.getPeer())?.tls),
      peer: call.getPeer(),
    }, lifetime.signal);
    const response = new grpc.Metadata();
    response.set("x-request-id", context.requestId);
    call.sendMetadata(response);
    checkDecoded(call.request);
    return context;
  }

  function track(call: { on(event: "cancelled", listener: () => void): unknown }): AbortController {
    const lifetime = new AbortController();
    open.add(lifetime);
    call.on("cancelled", () => lifetime.abort());
    lifetime.signal.addEventListener("abort", () => open.delete(lifetime), { once: true });
    return lifetime;
  }

  function unaryHandler(
    method: RpcMethod<unknown, unknown>,
  ): grpc.handleUnaryCall<unknown, unknown> {
    return (call, callback) => {
      const lifetime = track(call);
      runTracked(
        admit(method, call, lifetime)
          .then((context) => dispatcher.unary(method.path, call.request, context))
          .then(
            (response) => callback(null, response),
            (error) => callback(grpcErrorOf(asJacoError(error))),
          )
          .finally(() => lifetime.abort()),
      );
    };
  }

  function streamHandler(
    method: RpcMethod<unknown, unknown>,
  ): grpc.handleServerStreamingCall<unknown, unknown> {
    return (call) => {
      const lifetime = track(call);
      const run = async () => {
        const context = await admit(method, call, lifetime);
        for await (const message of dispatcher.stream(method.path, call.request, context)) {
          if (lifetime.signal.aborted) break;
          if (!call.write(message)) {
            await new Promise<void>((resolve) => {
              call.once("drain", resolve);
              lifetime.signal.addEventListener("abort", () => resolve(), { once: true });
            });
          }
        }
        if (closing) throw shuttingDown();
        call.end();
      };
      runTracked(
        run()
          .catch((error) => call.emit("error", grpcErrorOf(asJacoError(error))))
          .finally(() => lifetime.abort()),
      );
    };
  }

  for (const service of Object.values(services)) {
    const methods = Object.values(service.methods) as RpcMethod<unknown, unknown>[];
    const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const method of methods) {
      definition[method.name] = withTypedDecoding(method.grpc);
      if (method.requestStream) {
        // Client streams (Cluster.Restore, reserved) have no handler shape: always Unimplemented.
        implementation[method.name] = (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
          callback(grpcErrorOf(unimplemented(method.path)));
      } else if (method.responseStream) {
        implementation[method.name] = streamHandler(method);
      } else {
        implementation[method.name] = unaryHandler(method);
      }
    }
    server.addService(definition as grpc.ServiceDefinition, implementation);
  }

  return {
    listen(address) {
      const { host, port } = hostPortOf(address);
      return new Promise((resolve, reject) => {
        listener.once("error", reject);
        listener.listen(port, host, () => {
          listener.off("error", reject);
          resolve((listener.address() as { port: number }).port);
        });
      });
    },
    async shutdown() {
      closing = true;
      for (const lifetime of open) lifetime.abort();
      listener.close(() => {});
      await settleWithin([...running], SHUTDOWN_DRAIN_MS);
      // Close the connections without an HTTP/2 GOAWAY: a GOAWAY after many streams aborts a
      // Deno grpc-js client (ours: CLI and peers) in nghttp2; a closed connection is a plain,
      // retryable Unavailable. The macrotask lets the last trailers reach the socket first.
      await new Promise((resolve) => setTimeout(resolve, 0));
      await Promise.all([...connections.values()].map((connection) => connection.close()));
      await new Promise<void>((resolve, reject) =>
        server.tryShutdown((error) => error ? reject(error) : resolve())
      );
    },
  };
}
