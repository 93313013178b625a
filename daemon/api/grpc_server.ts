/**
 * The control API over gRPC on the TLS TCP listener (`listen_addr`, :7000), derived from the
 * same {@link Dispatcher} as the local JSON API. Failures leave as `toGrpcStatus` statuses
 * (code as status message, `jaco-error-bin` envelope in the trailers).
 *
 * Client certificates are requested but not required: operators connect without one (bearer
 * token), nodes present their CA-signed node certificate for `Internal.*`. grpc-js's
 * `createSsl(…, checkClientCertificate)` only knows "never ask" or "require", and its
 * certificate-provider credentials rely on `setSecureContext`, which Deno's `node:tls` lacks, so
 * this file passes Node's own TLS options through a `ServerCredentials` subclass:
 * `requestCert: true, rejectUnauthorized: false` with the cluster CA as trust root. The TLS layer
 * then verifies any presented chain against the CA and marks the socket `authorized`; grpc-js's
 * `getAuthContext()` reports a peer certificate only for an authorized socket, so a missing,
 * self-signed or foreign-CA certificate all reach admission as "no peer certificate" and
 * `Internal.*` refuses them. TLS 1.2 is the minimum; plaintext clients fail the handshake.
 *
 * Decisions: undecodable protobuf requests are `validation_failed`; messages over
 * `maxMessageBytes` (16 MiB, same as the socket) are refused by grpc-js itself with a bare
 * ResourceExhausted before any handler runs; `shutdown()` aborts open streams (follow streams
 * never end on their own) and ends them with a retryable Unavailable ({@link shuttingDown})
 * before draining. Swapping the certificate needs a new server: Deno's `node:tls` does not apply
 * `setSecureContext`, which grpc-js's hot-reloading credentials depend on.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
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

class RequestClientCertCredentials extends grpc.ServerCredentials {
  constructor(tls: GrpcTlsOptions) {
    super({
      requestCert: true,
      rejectUnauthorized: tls.requireClientCert === "required",
      minVersion: "TLSv1.2",
    }, {
      ca: Buffer.from(tls.caPem),
      cert: Buffer.from(tls.certPem),
      key: Buffer.from(tls.keyPem),
    });
  }

  override _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
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

interface AuthContextCall {
  getAuthContext?(): {
    sslPeerCertificate?: { fingerprint256?: string; subject?: { CN?: unknown } };
  };
}

function peerCertificateOf(call: AuthContextCall): PeerCertificate | undefined {
  const certificate = call.getAuthContext?.().sslPeerCertificate;
  if (!certificate?.fingerprint256) return undefined;
  const commonName = certificate.subject?.CN;
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
  const credentials = new RequestClientCertCredentials(options.tls);
  const open = new Set<AbortController>();
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
      peerCertificate: peerCertificateOf(call as AuthContextCall),
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
      admit(method, call, lifetime)
        .then((context) => dispatcher.unary(method.path, call.request, context))
        .then(
          (response) => callback(null, response),
          (error) => callback(grpcErrorOf(asJacoError(error))),
        )
        .finally(() => lifetime.abort());
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
      run()
        .catch((error) => call.emit("error", grpcErrorOf(asJacoError(error))))
        .finally(() => lifetime.abort());
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
      return new Promise((resolve, reject) =>
        server.bindAsync(
          address,
          credentials,
          (error, port) => error ? reject(error) : resolve(port),
        )
      );
    },
    shutdown() {
      closing = true;
      for (const lifetime of open) lifetime.abort();
      return new Promise((resolve, reject) =>
        server.tryShutdown((error) => error ? reject(error) : resolve())
      );
    },
  };
}
