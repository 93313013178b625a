/**
 * The TCP transport: gRPC over TLS to `--server` with grpc-js's generic client, so every
 * method is called through its entry in proto's `services` table (path + serializers) rather
 * than a generated per-service stub. Each call carries `authorization: Bearer <token>`
 * metadata (the token is never logged or put in a message).
 *
 * Failures: a status carrying the `jaco-error-bin` envelope, or a status message that is a
 * known code, becomes that {@link JacoError} (`errorFromGrpcStatus`); any other status is a
 * {@link TransportError} whose message is grpc-js's own text (`14 UNAVAILABLE: …`), printed
 * as is per cli.md §1.4.
 *
 * @module
 */

import { Client, Metadata, type ServiceError } from "@grpc/grpc-js";
import { GrpcStatus } from "../proto/errors.ts";
import { errorFromGrpcStatus, errorMetadataKey, type RpcMethod } from "../proto/mod.ts";
import { PinnedTlsCredentials } from "./_pinned_tls.ts";
import { type CallOptions, type RpcTransport, TransportError } from "./_rpc_transport.ts";

/** Where and as whom to dial (the tcp branch of the dial rule's result). */
export interface GrpcTarget {
  /** `host:port`. */
  address: string;
  /** Host checked against the server certificate's SANs. */
  host: string;
  /** Operator bearer token. */
  token: string;
  /** Pinned CA PEM; undefined = no verification. */
  caPem: string | undefined;
}

/** Calls a daemon's gRPC API over TLS (see module doc). */
export class GrpcTransport implements RpcTransport {
  readonly target: string;
  #client: Client;
  #metadata = new Metadata();

  constructor(target: GrpcTarget) {
    this.target = `tcp ${target.address}`;
    this.#client = new Client(
      target.address,
      new PinnedTlsCredentials(target.host, target.caPem),
    );
    this.#metadata.set("authorization", `Bearer ${target.token}`);
  }

  unary(
    method: RpcMethod<unknown, unknown>,
    request: unknown,
    options: CallOptions,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call = this.#client.makeUnaryRequest(
        method.path,
        method.grpc.requestSerialize,
        method.grpc.responseDeserialize,
        request,
        this.#metadata.clone(),
        deadlineOf(options),
        (error: ServiceError | null, response?: unknown) => {
          options.signal?.removeEventListener("abort", cancel);
          if (error) reject(this.#failure(error));
          else resolve(response);
        },
      );
      const cancel = () => call.cancel();
      if (options.signal?.aborted) cancel();
      else options.signal?.addEventListener("abort", cancel, { once: true });
    });
  }

  async *serverStream(
    method: RpcMethod<unknown, unknown>,
    request: unknown,
    options: CallOptions,
  ): AsyncIterable<unknown> {
    const call = this.#client.makeServerStreamRequest(
      method.path,
      method.grpc.requestSerialize,
      method.grpc.responseDeserialize,
      request,
      this.#metadata.clone(),
      deadlineOf(options),
    );
    const cancel = () => call.cancel();
    if (options.signal?.aborted) cancel();
    else options.signal?.addEventListener("abort", cancel, { once: true });
    try {
      for await (const message of call) yield message;
    } catch (error) {
      // Ctrl-C ends a stream quietly: the caller asked for it (a follow loop then exits 0).
      if (options.signal?.aborted) return;
      throw isServiceError(error) ? this.#failure(error) : error;
    } finally {
      options.signal?.removeEventListener("abort", cancel);
      // Reached on an early `break` too; cancelling a finished call is a no-op.
      call.cancel();
    }
  }

  close(): void {
    this.#client.close();
  }

  #failure(error: ServiceError): Error {
    const typed = errorFromGrpcStatus(error);
    const hasEnvelope = (error.metadata?.get(errorMetadataKey).length ?? 0) > 0;
    // errorFromGrpcStatus synthesizes `internal` + details {code, grpc_status} when the status
    // carries no JACO code at all; that is a transport failure, shown as gRPC's own text.
    const synthesized = !hasEnvelope && typed.code === "internal" &&
      typed.details.grpc_status === String(error.code);
    if (!synthesized) return typed;
    return new TransportError(error.code as GrpcStatus, error.message, {
      endpoint: this.target,
      cause: error,
    });
  }
}

function deadlineOf(options: CallOptions): { deadline?: number } {
  return options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as ServiceError).code === "number" &&
    (error as ServiceError).code !== GrpcStatus.OK;
}
