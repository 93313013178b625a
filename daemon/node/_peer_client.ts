/**
 * The joiner's one-shot gRPC client to the peer it joins through (cluster.md §3.2 step 3).
 * Before the join the joiner knows no CA, so the TLS handshake itself does not verify the
 * server; the server's leaf certificate is captured so {@link PeerClient.leafPem} can be checked
 * against the CA the peer returns (and the operator's pinned CA fingerprint) before anything
 * is persisted. grpc-js's own SSL credentials would set an IP `servername`, which Deno's
 * `node:tls` refuses, hence the custom connector.
 *
 * With a CA pin (`join_ca_pin.ts`) the handshake itself is refused unless the peer's chain
 * carries the pinned CA and a leaf it signed; the call then fails with that typed refusal and
 * no request (no join token) is ever written to the connection.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Client, type ServiceError } from "@grpc/grpc-js";
import { errorFromGrpcStatus, methodByPath } from "../../proto/mod.ts";
import type { JacoError } from "../../proto/errors.ts";
import { TlsChannelCredentials } from "./_tls_channel.ts";
import { checkPinnedChain, presentedChainOf } from "./join_ca_pin.ts";

/** Splits `host:port` / `[v6]:port` into the host to dial. */
function hostOf(address: string): string {
  const bracket = /^\[([^\]]+)\]:\d+$/.exec(address);
  if (bracket) return bracket[1];
  const colon = address.lastIndexOf(":");
  return colon > 0 ? address.slice(0, colon) : address;
}

/** gRPC-over-TLS client to one peer (see module doc). */
export class PeerClient {
  #client: Client;
  #leafDer: Uint8Array | undefined;
  #pinFailure: JacoError | undefined;
  readonly address: string;

  /** Dials lazily; `address` is `host:port`; `caPin` = normalized CA fingerprint to require. */
  constructor(address: string, options: { caPin?: string } = {}) {
    this.address = address;
    this.#client = new Client(
      address,
      new TlsChannelCredentials({
        host: hostOf(address),
        tls: { rejectUnauthorized: false },
        check: (secured) => {
          const raw = secured.getPeerCertificate()?.raw;
          if (raw) this.#leafDer = new Uint8Array(raw);
          if (!options.caPin) return undefined;
          this.#pinFailure = checkPinnedChain(presentedChainOf(secured), options.caPin);
          return this.#pinFailure;
        },
      }),
    );
  }

  /** The server certificate seen in the last handshake, PEM, when one was presented. */
  get leafPem(): string | undefined {
    if (!this.#leafDer) return undefined;
    const b64 = Buffer.from(this.#leafDer).toString("base64").replace(/(.{64})/g, "$1\n");
    return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
  }

  /**
   * Calls unary method `path`.
   *
   * @throws {JacoError} the CA pin's refusal, the peer's typed error; a transport failure (unreachable, deadline)
   *   becomes the error `errorFromGrpcStatus` derives from its status
   */
  unary<Response>(path: string, request: unknown, deadlineMs: number): Promise<Response> {
    const method = methodByPath(path);
    if (!method) throw new Error(`unknown method ${path}`);
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        method.path,
        method.grpc.requestSerialize,
        method.grpc.responseDeserialize,
        request,
        { deadline: Date.now() + deadlineMs },
        (error: ServiceError | null, response?: unknown) => {
          if (error) reject(this.#pinFailure ?? errorFromGrpcStatus(error));
          else resolve(response as Response);
        },
      );
    });
  }

  /** Closes the channel. */
  close(): void {
    this.#client.close();
  }
}
