/**
 * grpc-js channel credentials that dial TLS with `node:tls` directly. grpc-js's own SSL
 * credentials set the TLS `servername` to the dialed host, and Deno's `node:tls` refuses an IP
 * there while members are usually dialed by IP; this connector leaves SNI out for IP hosts.
 * What is trusted is the caller's: the `node:tls` options (CA, client certificate, or no
 * verification) and a check run on the secured socket before it is handed to grpc-js.
 *
 * @module
 */
import { isIP, type Socket } from "node:net";
import tls from "node:tls";
import { CallCredentials, ChannelCredentials } from "@grpc/grpc-js";

/** How one channel dials and what it accepts. */
export interface TlsChannelOptions {
  /** Host being dialed (DNS name or IP). */
  host: string;
  /** `node:tls` options: `ca`/`cert`/`key`, or `rejectUnauthorized: false`. */
  tls: tls.ConnectionOptions;
  /** Runs after the handshake; an Error refuses the connection. */
  check(secured: tls.TLSSocket): Error | undefined;
}

/** Channel credentials built from {@link TlsChannelOptions} (see module doc). */
export class TlsChannelCredentials extends ChannelCredentials {
  #options: TlsChannelOptions;

  constructor(options: TlsChannelOptions) {
    super();
    this.#options = options;
  }

  override _isSecure(): boolean {
    return true;
  }

  override _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  override _createSecureConnector(_target: unknown, _options: unknown, call?: CallCredentials) {
    const { host, tls: tlsOptions, check } = this.#options;
    return {
      connect: (socket: Socket) =>
        new Promise<{ socket: Socket; secure: boolean }>((resolve, reject) => {
          const secured = tls.connect({
            ...tlsOptions,
            socket,
            host,
            ...(isIP(host) ? {} : { servername: host }),
            ALPNProtocols: ["h2"],
          }, () => {
            const problem = check(secured);
            if (problem) {
              secured.destroy();
              reject(problem);
            } else resolve({ socket: secured, secure: true });
          });
          secured.on("error", reject);
        }),
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => call ?? CallCredentials.createEmpty(),
      destroy() {
        // Nothing is held between connections: each connect() owns its TLS socket.
      },
    };
  }
}
