/**
 * The control API of `jacod`: ONE handler table keyed by jaco.v1 method path, bound to the gate
 * chain (request id → pre-init gate → admission) by {@link createDispatcher}, and served both as
 * gRPC over TLS ({@link createGrpcServer}, TCP :7000) and as JSON on the unix socket
 * ({@link createLocalApp} + {@link serveLocal}). Handlers are written once; both transports give
 * the same results and the same typed errors.
 *
 * @example
 * ```ts
 * const dispatcher = createDispatcher(table, standardGates({ isInitialized, authenticate }));
 * const local = await serveLocal(createLocalApp(dispatcher), "/run/jaco/jaco.sock");
 * const grpcServer = createGrpcServer(dispatcher, {
 *   tls: { caPem, certPem, keyPem, requireClientCert: "optional" },
 * });
 * await grpcServer.listen("0.0.0.0:7000");
 * ```
 *
 * @module
 */

export {
  type CallContext,
  type HandlerOf,
  type HandlerTable,
  type MethodPath,
  type PeerCertificate,
  type RequestOf,
  type ResponseOf,
  type StreamHandler,
  Transport,
  type UnaryHandler,
} from "./handler_table.ts";
export {
  type Admission,
  admissionGate,
  type Authenticate,
  type Gate,
  type InboundCall,
  initGate,
  preInitMethods,
  requestIdGate,
  requestLogGate,
  type RpcStartLog,
  socketOnlyMethods,
  type StandardGateOptions,
  standardGates,
  unauthenticatedMethods,
} from "./gates.ts";
export { createDispatcher, type Dispatcher, GateChainError } from "./dispatcher.ts";
export { bareStatusOf, shuttingDown, unimplemented } from "./status_errors.ts";
export { createLocalApp, defaultMaxBodyBytes, type LocalAppOptions } from "./local_app.ts";
export { type LocalServer, NotASocketError, serveLocal, SocketInUseError } from "./serve_local.ts";
export {
  createGrpcServer,
  type GrpcApiServer,
  type GrpcServerOptions,
  type GrpcTlsOptions,
} from "./grpc_server.ts";
