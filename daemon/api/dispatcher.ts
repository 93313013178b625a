/**
 * The transport-neutral core both servers share: method lookup in the proto registry, the gate
 * chain, and the call into the handler table. Anything a handler throws that is not a
 * `JacoError` becomes `internal` (message kept in `details.reason`, never a stack).
 *
 * A method absent from the table (or not a jaco.v1 method) fails with {@link unimplemented}.
 *
 * @module
 */
import { asJacoError, methodByPath, type RpcMethod } from "../../proto/mod.ts";
import type { Admission, Gate, InboundCall } from "./gates.ts";
import type { CallContext, HandlerTable } from "./handler_table.ts";
import { unimplemented } from "./status_errors.ts";

/** Raised when the gate chain finished without setting an identity or request id (wiring bug). */
export class GateChainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GateChainError";
  }
}

/** The table plus gates, as the transports use it. */
export interface Dispatcher {
  /** The jaco.v1 method at `path`, or undefined when there is none. */
  method(path: string): RpcMethod<unknown, unknown> | undefined;
  /**
   * Runs the gates and returns the handler context.
   *
   * @throws {JacoError} whatever a gate refuses with
   */
  admit(call: InboundCall, signal: AbortSignal): Promise<CallContext>;
  /**
   * Calls a unary handler.
   *
   * @throws {JacoError} the handler's error, `internal` for anything else, or Unimplemented
   */
  unary(path: string, request: unknown, context: CallContext): Promise<unknown>;
  /** Calls a server-streaming handler; errors surface while iterating, as `JacoError`. */
  stream(path: string, request: unknown, context: CallContext): AsyncIterable<unknown>;
}

type AnyHandler = (request: unknown, context: CallContext) => unknown;

async function* guarded(source: () => AsyncIterable<unknown>): AsyncIterable<unknown> {
  try {
    yield* source();
  } catch (error) {
    throw asJacoError(error);
  }
}

/**
 * Binds a handler table to a gate chain.
 *
 * @example
 * ```ts
 * const dispatcher = createDispatcher(table, standardGates({ isInitialized, authenticate }));
 * const app = createLocalApp(dispatcher);
 * ```
 */
export function createDispatcher(table: HandlerTable, gates: readonly Gate[]): Dispatcher {
  const handlers = table as Readonly<Record<string, AnyHandler | undefined>>;
  function handlerFor(path: string, responseStream: boolean): AnyHandler {
    const method = methodByPath(path);
    const handler = Object.hasOwn(handlers, path) ? handlers[path] : undefined;
    if (!method || method.requestStream || method.responseStream !== responseStream || !handler) {
      throw unimplemented(path);
    }
    return handler;
  }
  return {
    method: methodByPath,
    async admit(call, signal) {
      let admission: Admission = {};
      try {
        for (const gate of gates) admission = await gate(call, admission);
      } catch (error) {
        throw asJacoError(error);
      }
      const { identity, requestId } = admission;
      if (identity === undefined || requestId === undefined) {
        throw asJacoError(
          new GateChainError(`gates left identity or request id unset for ${call.path}`),
        );
      }
      return {
        identity,
        requestId,
        transport: call.transport,
        peerCertificate: call.peerCertificate,
        peer: call.peer ?? "unknown",
        signal,
        metadata: call.metadata,
      };
    },
    async unary(path, request, context) {
      const handler = handlerFor(path, false);
      try {
        return await handler(request, context);
      } catch (error) {
        throw asJacoError(error);
      }
    },
    stream(path, request, context) {
      return guarded(() => handlerFor(path, true)(request, context) as AsyncIterable<unknown>);
    },
  };
}
