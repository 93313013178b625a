/**
 * The member → member half of `Deploy.Logs`: a server-streaming `Internal.Logs` call over mutual
 * TLS with this node's CA-signed certificate (peers admit `Internal.*` only from members), the
 * peer verified against the cluster CA and the dialed host. One channel per peer address, closed
 * by {@link PeerLogsClient.close}. No deadline: a follow stream lasts until the caller cancels.
 *
 * @module
 */
import type { Client as GrpcClient, ClientReadableStream, ServiceError } from "@grpc/grpc-js";
import { Client } from "@grpc/grpc-js";
import { errorFromGrpcStatus, type LogLine, type LogsRequest, services } from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import { parseHostPort } from "../host_port.ts";
import type { NodeTls } from "../node/data_dir.ts";
import { peerTlsCredentials } from "../node/forward.ts";

/** Streams `Internal.Logs` from peers (see module doc). */
export class PeerLogsClient {
  #tls: () => NodeTls | undefined;
  #clients = new Map<string, GrpcClient>();

  /** `tls` is read at each new channel: the node has its certificate only after init/join. */
  constructor(tls: () => NodeTls | undefined) {
    this.#tls = tls;
  }

  /**
   * The peer's log lines for `request`; ends when the peer ends the stream or `signal` aborts.
   *
   * @throws {JacoError} the peer's typed error, `logs_stream` when it cannot be reached
   */
  async *logs(address: string, request: LogsRequest, signal: AbortSignal): AsyncGenerator<LogLine> {
    const method = services.Internal.methods.Logs;
    const call: ClientReadableStream<LogLine> = this.#client(address).makeServerStreamRequest(
      method.path,
      method.grpc.requestSerialize,
      method.grpc.responseDeserialize,
      request,
    );
    const abort = () => call.cancel();
    signal.addEventListener("abort", abort, { once: true });
    try {
      for await (const line of call) yield line as LogLine;
    } catch (error) {
      if (signal.aborted) return;
      throw failureOf(error as ServiceError, address);
    } finally {
      signal.removeEventListener("abort", abort);
      call.cancel();
    }
  }

  /** Closes every channel. */
  close(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  #client(address: string): GrpcClient {
    let client = this.#clients.get(address);
    if (client) return client;
    const material = this.#tls();
    if (!material) throw new JacoError("cluster_uninitialized", "this node has no certificate yet");
    const parsed = parseHostPort(address);
    if (!parsed.ok) {
      throw new JacoError("logs_stream", `peer gRPC address "${address}" ${parsed.reason}`, {
        address,
      });
    }
    client = new Client(address, peerTlsCredentials(parsed.value.host, material));
    this.#clients.set(address, client);
    return client;
  }
}

function failureOf(error: ServiceError, address: string): JacoError {
  const typed = errorFromGrpcStatus(error);
  const synthesized = typed.code === "internal" && typed.details.grpc_status === String(error.code);
  if (!synthesized) return typed;
  return new JacoError("logs_stream", `cannot stream logs from ${address}: ${error.details}`, {
    address,
  });
}
