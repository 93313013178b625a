/**
 * Network probes run INSIDE a rig host (the test process has no route into the rig segment):
 * `deno run -A tests/_rig_probe.ts '<json probe>'` prints one JSON line describing what the
 * peer did. Used by the rig control-plane suites through {@link runProbe}.
 *
 * Probes:
 * - `grpc`: one unary call over TLS (server verified against `caPath`, SNI left out for IPs)
 *   with an optional bearer token and client certificate; the request is either empty or, for
 *   `submitTokenIssue`, an `Internal.Submit` carrying a `TokenIssue` command (the attack the
 *   peer-certificate gate must stop). Result: `{ ok }` or `{ grpcCode, status, errorCode, reason }`
 *   where `errorCode`/`reason` come from the typed `jaco-error-bin` envelope.
 * - `tls`: a raw TLS dial (optional CA / client certificate); writes a few bytes after the
 *   handshake and waits up to `waitMs` for the peer to close or fail the connection.
 * - `plain`: a plaintext TCP connect + HTTP/2-looking write; reports the bytes that came back
 *   and whether the peer closed within `waitMs`.
 *
 * Decision: the probe never throws for a refusal; refusals are data the test asserts on. It
 * exits non-zero only on a malformed probe.
 *
 * @module
 */
import { CallCredentials, ChannelCredentials, Client, Metadata } from "@grpc/grpc-js";
import type { ServiceError } from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import net, { isIP, type Socket } from "node:net";
import tls from "node:tls";
import { Command, errorMetadataKey, methodByPath, WireError } from "../proto/mod.ts";
import type { RigHost } from "./rig/mod.ts";

/** One probe (see the module doc). Paths are filesystem paths readable inside the host. */
export type Probe =
  | {
    kind: "grpc";
    address: string;
    caPath: string;
    method: string;
    token?: string;
    certPath?: string;
    keyPath?: string;
    /** Send an Internal.Submit of TokenIssue{identity} for this cluster instead of `{}`. */
    submitTokenIssue?: { clusterId: string; identity: string };
  }
  | {
    kind: "tls";
    host: string;
    port: number;
    caPath?: string;
    certPath?: string;
    keyPath?: string;
    /** Write a few (non-raft, non-HTTP/2-conformant) bytes after the handshake; default true. */
    write?: boolean;
    waitMs: number;
  }
  | { kind: "plain"; host: string; port: number; waitMs: number };

/** What a `grpc` probe saw. */
export interface GrpcProbeResult {
  ok: boolean;
  grpcCode?: number;
  status?: string;
  errorCode?: string;
  reason?: string;
}

/** What a `tls` or `plain` probe saw. */
export interface StreamProbeResult {
  /** TCP connected (plain) / TLS handshake completed from the client's side (tls). */
  connected: boolean;
  /** The peer closed or reset the connection within `waitMs`. */
  closed: boolean;
  /** Bytes received from the peer (application data for tls; raw bytes for plain). */
  bytes: number;
  /** First received byte (plain; 0x15 = TLS alert record). */
  firstByte?: number;
  /** Error text, when the connection failed. */
  error?: string;
}

/**
 * Runs `probe` inside `host` and returns its JSON result.
 *
 * @throws {Error} when the probe script itself fails
 */
export async function runProbe<T = GrpcProbeResult | StreamProbeResult>(
  host: RigHost,
  probe: Probe,
): Promise<T> {
  const script = new URL(import.meta.url).pathname;
  const result = await host.exec([Deno.execPath(), "run", "-A", script, JSON.stringify(probe)], {
    timeoutMs: 30_000,
  });
  if (result.code !== 0) throw new Error(`probe on ${host.name} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1)!);
}

class ProbeCredentials extends ChannelCredentials {
  #options: tls.ConnectionOptions & { host: string };
  constructor(options: tls.ConnectionOptions & { host: string }) {
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
    const options = this.#options;
    return {
      connect: (socket: Socket) =>
        new Promise<{ socket: Socket; secure: boolean }>((resolve, reject) => {
          const secured = tls.connect({
            ...options,
            socket,
            ...(isIP(options.host) ? {} : { servername: options.host }),
            ALPNProtocols: ["h2"],
          }, () => resolve({ socket: secured, secure: true }));
          secured.on("error", reject);
        }),
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => call ?? CallCredentials.createEmpty(),
      destroy() {},
    };
  }
}

function tlsFiles(probe: { caPath?: string; certPath?: string; keyPath?: string }) {
  return {
    ...(probe.caPath ? { ca: Deno.readTextFileSync(probe.caPath) } : { rejectUnauthorized: false }),
    ...(probe.certPath ? { cert: Deno.readTextFileSync(probe.certPath) } : {}),
    ...(probe.keyPath ? { key: Deno.readTextFileSync(probe.keyPath) } : {}),
  };
}

async function grpcProbe(probe: Extract<Probe, { kind: "grpc" }>): Promise<GrpcProbeResult> {
  const method = methodByPath(probe.method);
  if (!method) throw new Error(`unknown method ${probe.method}`);
  const host = probe.address.slice(0, probe.address.lastIndexOf(":"));
  const client = new Client(probe.address, new ProbeCredentials({ host, ...tlsFiles(probe) }));
  const metadata = new Metadata();
  if (probe.token !== undefined) metadata.set("authorization", `Bearer ${probe.token}`);
  let request: unknown = method.grpc.requestDeserialize(Buffer.alloc(0));
  if (probe.submitTokenIssue) {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const command = Command.fromPartial({
      clusterId: probe.submitTokenIssue.clusterId,
      identity: probe.submitTokenIssue.identity,
      payload: {
        $case: "tokenIssue",
        value: { identity: probe.submitTokenIssue.identity, hashedSecret: secret },
      },
    });
    request = { commandBytes: Command.encode(command).finish() };
  }
  try {
    return await new Promise<GrpcProbeResult>((resolve) => {
      client.makeUnaryRequest(
        method.path,
        method.grpc.requestSerialize,
        method.grpc.responseDeserialize,
        request,
        metadata,
        { deadline: Date.now() + 10_000 },
        (error: ServiceError | null) => {
          if (!error) return resolve({ ok: true });
          const envelope = error.metadata?.get(errorMetadataKey)[0];
          const wire = envelope ? WireError.decode(Buffer.from(envelope as Buffer)) : undefined;
          resolve({
            ok: false,
            grpcCode: error.code,
            status: error.details,
            errorCode: wire?.code,
            reason: wire?.details?.reason,
          });
        },
      );
    });
  } finally {
    client.close();
  }
}

function streamProbe(probe: Extract<Probe, { kind: "tls" | "plain" }>): Promise<StreamProbeResult> {
  return new Promise((resolve) => {
    const result: StreamProbeResult = { connected: false, closed: false, bytes: 0 };
    let socket: Socket;
    // The snapshot is taken once, before our own destroy() can fire "close": only the peer's
    // close within waitMs counts as closed.
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...result });
      socket.destroy();
    };
    const timer = setTimeout(finish, probe.waitMs);
    const payload = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    if (probe.kind === "tls") {
      socket = tls.connect({
        host: probe.host,
        port: probe.port,
        ALPNProtocols: ["h2"],
        ...tlsFiles(probe),
      }, () => {
        result.connected = true;
        if (probe.write ?? true) socket.write(payload);
      });
    } else {
      socket = net.connect({ host: probe.host, port: probe.port }, () => {
        result.connected = true;
        socket.write(payload);
      });
    }
    socket.on("data", (chunk: Buffer) => {
      result.firstByte ??= chunk[0];
      result.bytes += chunk.length;
    });
    socket.on("error", (error: Error) => {
      result.error = error.message;
    });
    socket.on("close", () => {
      result.closed = true;
      finish();
    });
  });
}

if (import.meta.main) {
  const probe = JSON.parse(Deno.args[0] ?? "") as Probe;
  const result = probe.kind === "grpc" ? await grpcProbe(probe) : await streamProbe(probe);
  console.log(JSON.stringify(result));
  Deno.exit(0);
}
