/**
 * The local socket transport: HTTP/1.1 over the daemon's unix socket with the fixed JSON shape
 * of the local control API — `POST /jaco.v1.<Service>/<Method>` carrying the request's proto3
 * JSON; a unary answer is one proto3-JSON body, a server stream is NDJSON (one message per
 * line, a failure after the stream started is a final `{"error":{…}}` line); a failure before
 * it is a non-2xx status with the `{code,message,details}` envelope as body.
 *
 * A non-2xx answer without an envelope (a proxy, an older daemon, an unknown route) becomes a
 * {@link TransportError} with the HTTP status and body text, its gRPC status inferred from the
 * HTTP one, so the retry rule still sees a 503 as UNAVAILABLE.
 *
 * @module
 */

import { GrpcStatus, JacoError } from "../proto/errors.ts";
import type { RpcMethod } from "../proto/mod.ts";
import {
  type CallOptions,
  type CallScope,
  callScope,
  formatDeadline,
  type RpcTransport,
  TransportError,
} from "./_rpc_transport.ts";

const grpcStatusByHttp: ReadonlyMap<number, GrpcStatus> = new Map([
  [400, GrpcStatus.INVALID_ARGUMENT],
  [401, GrpcStatus.UNAUTHENTICATED],
  [403, GrpcStatus.PERMISSION_DENIED],
  [404, GrpcStatus.UNIMPLEMENTED],
  [409, GrpcStatus.ALREADY_EXISTS],
  [412, GrpcStatus.FAILED_PRECONDITION],
  [429, GrpcStatus.RESOURCE_EXHAUSTED],
  [501, GrpcStatus.UNIMPLEMENTED],
  [502, GrpcStatus.UNAVAILABLE],
  [503, GrpcStatus.UNAVAILABLE],
  [504, GrpcStatus.DEADLINE_EXCEEDED],
]);

/** Calls the local control API on a unix socket (see module doc). */
export class SocketTransport implements RpcTransport {
  readonly target: string;
  #path: string;
  #client: Deno.HttpClient;

  constructor(path: string) {
    this.#path = path;
    this.target = `socket ${path}`;
    this.#client = Deno.createHttpClient({ proxy: { transport: "unix", path } });
  }

  async unary(
    method: RpcMethod<unknown, unknown>,
    request: unknown,
    options: CallOptions,
  ): Promise<unknown> {
    const scope = callScope(options);
    try {
      const response = await this.#post(method, request, scope, options);
      const text = await response.text();
      return method.responseType.fromJSON(JSON.parse(text));
    } catch (error) {
      throw this.#failure(error, method, scope, options);
    } finally {
      scope.dispose();
    }
  }

  async *serverStream(
    method: RpcMethod<unknown, unknown>,
    request: unknown,
    options: CallOptions,
  ): AsyncIterable<unknown> {
    const scope = callScope(options);
    let reader: ReadableStreamDefaultReader<string> | undefined;
    try {
      const response = await this.#post(method, request, scope, options);
      reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = "";
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += value;
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) {
          if (line.trim() !== "") yield decodeStreamLine(method, line);
        }
      }
      if (buffered.trim() !== "") yield decodeStreamLine(method, buffered);
    } catch (error) {
      // Ctrl-C ends a stream quietly: the caller asked for it (a follow loop then exits 0).
      if (scope.cause() === "cancelled") return;
      throw this.#failure(error, method, scope, options);
    } finally {
      scope.dispose();
      // An early `break` by the consumer lands here too: drop the connection.
      await reader?.cancel().catch(() => {
        // The body may already be closed or errored; nothing is left to release then.
      });
    }
  }

  close(): void {
    this.#client.close();
  }

  async #post(
    method: RpcMethod<unknown, unknown>,
    request: unknown,
    scope: CallScope,
    options: CallOptions,
  ): Promise<Response> {
    if (scope.signal.aborted) throw this.#failure(scope.signal.reason, method, scope, options);
    const response = await fetch(`http://localhost${method.path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(method.requestType.toJSON(request)),
      client: this.#client,
      signal: scope.signal,
    });
    if (response.ok) return response;
    const text = await response.text();
    const envelope = parseEnvelope(text);
    if (envelope) throw JacoError.fromEnvelope(envelope);
    throw new TransportError(
      grpcStatusByHttp.get(response.status) ?? GrpcStatus.UNKNOWN,
      `${method.path} on ${this.target}: HTTP ${response.status}: ${firstLine(text)}`,
      { endpoint: this.target },
    );
  }

  #failure(
    error: unknown,
    method: RpcMethod<unknown, unknown>,
    scope: CallScope,
    options: CallOptions,
  ): Error {
    if (error instanceof JacoError || error instanceof TransportError) return error;
    const where = `${method.path} on ${this.target}`;
    const cause = scope.cause();
    if (cause === "deadline") {
      return new TransportError(
        GrpcStatus.DEADLINE_EXCEEDED,
        `${where}: deadline of ${formatDeadline(options.deadlineMs!)} exceeded`,
        { endpoint: this.target, cause: error },
      );
    }
    if (cause === "cancelled") {
      return new TransportError(GrpcStatus.CANCELLED, `${where}: cancelled`, {
        endpoint: this.target,
        cause: error,
      });
    }
    const reason = error instanceof Error ? error.message : String(error);
    // A fetch TypeError is a dial or connection failure; a SyntaxError a garbled answer.
    const status = error instanceof SyntaxError ? GrpcStatus.INTERNAL : GrpcStatus.UNAVAILABLE;
    return new TransportError(status, `${where}: ${reason}`, {
      endpoint: this.target,
      cause: error,
    });
  }
}

function decodeStreamLine(method: RpcMethod<unknown, unknown>, line: string): unknown {
  const value: unknown = JSON.parse(line);
  if (isRecord(value) && Object.keys(value).length === 1 && isEnvelope(value.error)) {
    throw JacoError.fromEnvelope(value.error);
  }
  return method.responseType.fromJSON(value);
}

type Envelope = { code: string; message: string; details?: Record<string, string> };

function parseEnvelope(text: string): Envelope | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isEnvelope(value) ? value : undefined;
  } catch {
    // Not JSON at all: the caller reports the raw body instead.
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isEnvelope(value: unknown): value is Envelope {
  return isRecord(value) && typeof value.code === "string" && typeof value.message === "string" &&
    (value.details === undefined ||
      (isRecord(value.details) &&
        Object.values(value.details).every((entry) => typeof entry === "string")));
}

function firstLine(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 199)}…` : line || "(empty body)";
}
