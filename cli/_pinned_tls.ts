/**
 * grpc-js channel credentials that pin the cluster CA and check the server certificate
 * against the dialed host (DNS SAN = node hostname, IP SANs = node IPs), or — for
 * `--ca-cert ""` — skip verification entirely.
 *
 * Why not `credentials.createSsl`: grpc-js always sets the TLS `servername` to the dialed
 * host, and Deno's `node:tls` refuses an IP address there, so dialing `--server 10.0.0.5:7000`
 * would fail before the handshake. This connector omits `servername` for IP hosts (there is
 * no SNI for IPs anyway) and verifies the IP SAN itself after the handshake with
 * `tls.checkServerIdentity`, so the identity check never depends on the TLS stack's default.
 *
 * @module
 */

import { isIP, type Socket } from "node:net";
import tls from "node:tls";
import { CallCredentials, ChannelCredentials } from "@grpc/grpc-js";

/** Credentials for one `--server` target (see module doc). */
export class PinnedTlsCredentials extends ChannelCredentials {
  #host: string;
  #caPem: string | undefined;

  /** `caPem` undefined = no verification (`--ca-cert ""`). */
  constructor(host: string, caPem: string | undefined) {
    super();
    this.#host = host;
    this.#caPem = caPem;
  }

  override _isSecure(): boolean {
    return true;
  }

  override _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  override _createSecureConnector(
    _target: unknown,
    _options: unknown,
    callCredentials?: CallCredentials,
  ) {
    const host = this.#host;
    const caPem = this.#caPem;
    return {
      connect: (socket: Socket) =>
        new Promise<{ socket: Socket; secure: boolean }>((resolve, reject) => {
          const secured = tls.connect({
            socket,
            host,
            ...(isIP(host) ? {} : { servername: host }),
            ALPNProtocols: ["h2"],
            ...(caPem === undefined ? { rejectUnauthorized: false } : { ca: caPem }),
          }, () => {
            const problem = caPem === undefined ? undefined : verify(secured, host);
            if (problem) {
              secured.destroy();
              reject(problem);
              return;
            }
            resolve({ socket: secured, secure: true });
          });
          secured.on("error", reject);
        }),
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => callCredentials ?? CallCredentials.createEmpty(),
      destroy() {
        // Nothing is held between connections: each connect() owns its own TLS socket.
      },
    };
  }
}

function verify(socket: tls.TLSSocket, host: string): Error | undefined {
  if (!socket.authorized) {
    return socket.authorizationError instanceof Error
      ? socket.authorizationError
      : new Error(`server certificate not signed by the cluster CA: ${socket.authorizationError}`);
  }
  return tls.checkServerIdentity(host, socket.getPeerCertificate());
}
