/**
 * The local JSON control API (i4 wire shape) as a Hono app: `POST /jaco.v1.<Service>/<Method>`
 * with the proto3-JSON request as body. Unary answers 200 with the proto3-JSON response; server
 * streams answer 200 `application/x-ndjson`, one message per line, and an error after the
 * stream started is a final `{"error":{…}}` line. Failures are `{code,message,details}` with the
 * HTTP status of their gRPC status; `x-request-id` is echoed once admitted. Every caller is a
 * socket caller (identity `local` after admission). The app is `fetch(Request) → Response`, so
 * tests run it in memory.
 *
 * Decisions: an empty body is the empty message `{}`; a body over `maxBodyBytes` (16 MiB by
 * default), malformed JSON or UTF-8, a non-object body, an unknown field or a wrong field type
 * are `validation_failed`; so is a non-POST request, and a body cut short (the caller closed the
 * connection before its Content-Length or last chunk arrived). A stream handler that fails before it
 * yields and before the next macrotask (typically request validation) answers with a plain
 * error status instead of a 200 stream holding only an error line. When the request's signal is
 * aborted with a {@link JacoError} reason (`serveLocal` does so on shutdown), an open stream ends
 * with that error as its final line.
 *
 * @module
 */
import { Hono } from "hono";
import { asJacoError, isJacoError, JacoError, type RpcMethod } from "../../proto/mod.ts";
import { decodeJsonMessage } from "./_json_message.ts";
import { httpStatusOf } from "./_status.ts";
import type { Dispatcher } from "./dispatcher.ts";
import { unimplemented } from "./status_errors.ts";
import type { CallContext } from "./handler_table.ts";

/** Options of {@link createLocalApp}. */
export interface LocalAppOptions {
  /** Largest accepted request body (default {@link defaultMaxBodyBytes}). */
  maxBodyBytes?: number;
}

/** Default request body limit of the local API: 16 MiB. */
export const defaultMaxBodyBytes = 16 * 1024 * 1024;

function validation(message: string, details: Record<string, string> = {}): JacoError {
  return new JacoError("validation_failed", message, details);
}

function errorResponse(error: JacoError, requestId?: string): Response {
  const headers = new Headers({ "content-type": "application/json" });
  if (requestId) headers.set("x-request-id", requestId);
  return new Response(JSON.stringify(error.toJSON()), { status: httpStatusOf(error), headers });
}

async function readBody(request: Request, maxBodyBytes: number): Promise<unknown> {
  const tooLarge = () =>
    validation(`request body exceeds ${maxBodyBytes} bytes`, { limit_bytes: `${maxBodyBytes}` });
  if (Number(request.headers.get("content-length") ?? "0") > maxBodyBytes) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let sizeBytes = 0;
  try {
    for await (const chunk of request.body ?? []) {
      sizeBytes += chunk.byteLength;
      if (sizeBytes > maxBodyBytes) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (error) {
    if (isJacoError(error)) throw error;
    // The caller hung up before its Content-Length or last chunk arrived.
    throw validation("request body ended before it was complete", {
      reason: error instanceof Error ? error.message : String(error),
    });
  }
  const bytes = new Uint8Array(sizeBytes);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // The decoder's own message adds nothing ("invalid data"); ours names the problem.
    throw validation("request body is not valid UTF-8");
  }
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw validation(`request body is not valid JSON: ${(error as Error).message}`);
  }
}

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const encoder = new TextEncoder();

function ndjsonLine(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value) + "\n");
}

async function streamResponse(
  method: RpcMethod<unknown, unknown>,
  messages: AsyncIterable<unknown>,
  context: CallContext,
  finish: () => void,
  serverSignal: AbortSignal,
): Promise<Response> {
  const iterator = messages[Symbol.asyncIterator]();
  const first = iterator.next();
  const early = await Promise.race([
    first.then(() => undefined, (error: unknown) => asJacoError(error)),
    nextMacrotask(),
  ]);
  if (early) {
    finish();
    return errorResponse(early, context.requestId);
  }
  let pending: Promise<IteratorResult<unknown>> = first;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const result = await pending;
        if (result.done) {
          finish();
          // The server ended the call with a typed reason (e.g. shutting down): say so, so a
          // follower does not mistake it for a complete stream.
          if (isJacoError(serverSignal.reason)) {
            controller.enqueue(ndjsonLine({ error: serverSignal.reason.toJSON() }));
          }
          controller.close();
          return;
        }
        controller.enqueue(ndjsonLine(method.responseType.toJSON(result.value)));
        pending = iterator.next();
      } catch (error) {
        finish();
        controller.enqueue(ndjsonLine({ error: asJacoError(error).toJSON() }));
        controller.close();
      }
    },
    async cancel() {
      finish();
      await iterator.return?.();
    },
  });
  return new Response(body, {
    headers: { "content-type": "application/x-ndjson", "x-request-id": context.requestId },
  });
}

async function serve(
  dispatcher: Dispatcher,
  request: Request,
  maxBodyBytes: number,
): Promise<Response> {
  const path = new URL(request.url).pathname;
  const method = dispatcher.method(path);
  if (!method || method.requestStream) return errorResponse(unimplemented(path));
  if (request.method !== "POST") {
    return errorResponse(validation(`method ${request.method} is not allowed; use POST`));
  }
  const lifetime = new AbortController();
  const finish = () => lifetime.abort();
  request.signal.addEventListener("abort", finish, { once: true });
  let context: CallContext | undefined;
  try {
    context = await dispatcher.admit(
      { path, transport: "socket", metadata: request.headers },
      lifetime.signal,
    );
    const message = decodeJsonMessage(method.requestType, await readBody(request, maxBodyBytes));
    if (method.responseStream) {
      return await streamResponse(
        method,
        dispatcher.stream(path, message, context),
        context,
        finish,
        request.signal,
      );
    }
    const response = await dispatcher.unary(path, message, context);
    finish();
    return new Response(JSON.stringify(method.responseType.toJSON(response)), {
      headers: { "content-type": "application/json", "x-request-id": context.requestId },
    });
  } catch (error) {
    finish();
    return errorResponse(asJacoError(error), context?.requestId);
  }
}

/**
 * The local API over `dispatcher` (a handler table bound to its gates).
 *
 * @example
 * ```ts
 * const app = createLocalApp(createDispatcher(table, standardGates(options)));
 * const response = await app.fetch(new Request("http://jaco/jaco.v1.Cluster/Status", {
 *   method: "POST",
 *   body: "{}",
 * }));
 * ```
 */
export function createLocalApp(dispatcher: Dispatcher, options: LocalAppOptions = {}): Hono {
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const app = new Hono();
  app.all("*", (c) => serve(dispatcher, c.req.raw, maxBodyBytes));
  // serve() already turns every failure into a typed response; this is the last line for a bug
  // in Hono itself, so the socket never answers with a stack.
  app.onError((error) => errorResponse(asJacoError(error)));
  return app;
}
