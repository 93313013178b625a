/**
 * How `jaco` reaches a daemon (cli.md §1.1): one typed {@link Client} over two wire
 * transports, both derived from proto's `services` table so no RPC is written per method —
 * the local unix socket (HTTP/1.1 + proto3 JSON, `_socket_transport.ts`) and TLS gRPC to
 * `--server` (`_grpc_transport.ts`). A command calls {@link dialDaemon} with its context: the
 * dial rule (`_transport_flags.ts`) picks the target, then the matching transport is opened.
 * Only network commands import this module (the command table loads commands lazily), so
 * `jaco validate` never pays for it.
 *
 * Failures reach the caller as:
 * - `JacoError` — the daemon answered with a typed error (rendered `Error: <code>: …`);
 * - `TransportError` (`_rpc_transport.ts`) — no typed answer (refused connection, deadline,
 *   broken stream, cancelled); its message is the underlying failure text, printed as is
 *   (cli.md §1.4), and its `status` is the gRPC status the retry rule (`_retry.ts`,
 *   errors.md §2) branches on.
 *
 * Deadlines are per call (`deadlineMs`, cli.md §1.5 — the command picks them); a stream's
 * deadline bounds the whole stream. `signal` is Ctrl-C: a unary call rejects with a
 * `CANCELLED` TransportError, a stream simply ends (a follow loop then exits 0).
 *
 * @module
 */

import { type RpcMethod, type ServiceName, services } from "../proto/mod.ts";
import { GrpcTransport } from "./_grpc_transport.ts";
import type { CallOptions, RpcTransport } from "./_rpc_transport.ts";
import { SocketTransport } from "./_socket_transport.ts";
import type { CommandContext } from "./_command.ts";
import type { CliIo } from "./_io.ts";
import {
  describeTarget,
  resolveTransport,
  type TransportEnvironment,
  type TransportTarget,
} from "./_transport_flags.ts";

type Methods<S extends ServiceName> = (typeof services)[S]["methods"];
/** A method name of service `S`. */
export type MethodName<S extends ServiceName> = keyof Methods<S> & string;
/** The request message type of `S.M`. */
export type RequestOf<S extends ServiceName, M extends MethodName<S>> = Methods<S>[M] extends
  RpcMethod<infer Request, unknown> ? Request : never;
/** The response message type of `S.M`. */
export type ResponseOf<S extends ServiceName, M extends MethodName<S>> = Methods<S>[M] extends
  RpcMethod<unknown, infer Response> ? Response : never;

/** A connection to one daemon, typed by the jaco.v1 service table. */
export interface Client {
  /** Where it dials, for logs: `socket <path>` or `tcp <host:port>` (never the token). */
  readonly target: string;
  /**
   * One request, one response.
   *
   * @throws {JacoError} a typed failure from the daemon
   * @throws {TransportError} no typed answer (unreachable, deadline, cancelled)
   * @example
   * ```ts
   * const status = await client.unary("Cluster", "Status", {}, { deadlineMs: 10_000 });
   * ```
   */
  unary<S extends ServiceName, M extends MethodName<S>>(
    service: S,
    method: M,
    request: RequestOf<S, M>,
    options?: CallOptions,
  ): Promise<ResponseOf<S, M>>;
  /**
   * A server stream; iteration throws like {@link Client.unary}, ends quietly when
   * `options.signal` aborts, and cancels the call when the loop breaks early.
   *
   * @example
   * ```ts
   * for await (const line of client.stream("Deploy", "Logs", request, { signal })) print(line);
   * ```
   */
  stream<S extends ServiceName, M extends MethodName<S>>(
    service: S,
    method: M,
    request: RequestOf<S, M>,
    options?: CallOptions,
  ): AsyncIterable<ResponseOf<S, M>>;
  /** Releases the connection. */
  close(): void;
}

/** Raised when a caller asks a transport for an RPC shape it does not offer. */
export class RpcShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RpcShapeError";
  }
}

/** The typed {@link Client} over a wire transport (the table lookup, shared by both). */
export function createClient(transport: RpcTransport): Client {
  const lookup = (service: string, method: string, stream: boolean) => {
    const methods = services[service as ServiceName]?.methods as
      | Record<string, RpcMethod<unknown, unknown>>
      | undefined;
    const rpc = methods?.[method];
    if (!rpc) throw new RpcShapeError(`unknown RPC ${service}.${method}`);
    if (rpc.requestStream || rpc.responseStream !== stream) {
      throw new RpcShapeError(
        `${rpc.path} is not a ${stream ? "server-streaming" : "unary"} RPC`,
      );
    }
    return rpc;
  };
  return {
    target: transport.target,
    // deno-lint-ignore no-explicit-any
    async unary(service, method, request, options = {}): Promise<any> {
      return await transport.unary(lookup(service, method, false), request, options);
    },
    // deno-lint-ignore no-explicit-any
    async *stream(service, method, request, options = {}): AsyncIterable<any> {
      yield* transport.serverStream(lookup(service, method, true), request, options);
    },
    close: () => transport.close(),
  };
}

/**
 * Opens a {@link Client} for a resolved target (see `resolveTransport`).
 *
 * @example
 * ```ts
 * const client = openClient(resolveTransport(flags, environment));
 * try {
 *   await client.unary("Deploy", "Apply", request, { deadlineMs: 30_000 });
 * } finally {
 *   client.close();
 * }
 * ```
 */
export function openClient(target: TransportTarget): Client {
  return createClient(
    target.kind === "socket" ? new SocketTransport(target.path) : new GrpcTransport(target),
  );
}

/**
 * The dial rule's view of the real machine: environment and files through the command's
 * {@link CliIo}, and whether the socket exists through the filesystem. Only a missing path
 * counts as "not available"; any other stat failure (e.g. permission denied on
 * `/var/run/jaco`) is left to the dial, whose error names the real cause.
 */
export function transportEnvironment(io: CliIo): TransportEnvironment {
  return {
    env: (name) => io.env(name),
    readTextFile: (path) => io.readTextFile(path),
    stderr: (text) => io.stderr(text),
    exists(path) {
      try {
        Deno.statSync(path);
        return true;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return false;
        return true;
      }
    },
  };
}

/**
 * Applies the dial rule to a command's parsed flags (its own `--server`, else the global one)
 * and opens the client; logs the transport and target at debug level, never the token.
 *
 * @throws {DialRuleError} / {UsageError} from the dial rule, before anything is dialed
 * @example
 * ```ts
 * const client = dialDaemon(context);
 * try {
 *   const status = await client.unary("Deploy", "Status", request, { deadlineMs: 30_000 });
 * } finally {
 *   client.close();
 * }
 * ```
 */
export function dialDaemon(
  context: Pick<CommandContext, "flags" | "globals" | "io" | "log">,
  environment: TransportEnvironment = transportEnvironment(context.io),
): Client {
  const text = (name: string) => {
    const value = context.flags[name];
    return typeof value === "string" ? value : undefined;
  };
  const target = resolveTransport({
    server: text("server") ?? context.globals.server,
    token: text("token"),
    caCert: text("ca-cert"),
    socket: text("socket"),
  }, environment);
  context.log.debug(`dialing ${describeTarget(target)}`);
  return openClient(target);
}
