/**
 * The one handler table of the control API. Its keys are the full gRPC paths of the jaco.v1
 * services (`/jaco.v1.<Service>/<Method>`) and its types come straight from the generated
 * definitions, so a handler for a server-streaming method must return an `AsyncIterable` and a
 * unary one a `Promise`, each of the right message type. Both transports (gRPC over TLS and JSON
 * on the unix socket) are derived from the same table; a method absent from it answers
 * Unimplemented on both.
 *
 * @module
 */
import type {
  AuditDefinition,
  ClusterDefinition,
  DeployDefinition,
  InternalDefinition,
  RegistryCredentialsDefinition,
  TokensDefinition,
  WatchDefinition,
} from "../../proto/mod.ts";

/** Where a call came in. */
export const Transport = {
  /** The local unix socket (plaintext, trusted by file permissions). */
  socket: "socket",
  /** The TLS TCP listener (bearer tokens, node certificates). */
  tcp: "tcp",
} as const;

/** One transport kind. */
export type Transport = typeof Transport[keyof typeof Transport];

/** The client certificate a TCP caller presented, verified against the cluster CA. */
export interface PeerCertificate {
  /** SHA-256 fingerprint, colon-separated upper-case hex (as Node's `fingerprint256`). */
  fingerprint: string;
  /** Subject common name (a JACO node certificate names the hostname). */
  commonName: string;
}

/** What a handler knows about the call besides its request message. */
export interface CallContext {
  /** Who is calling: `local` (socket), a token identity, `node:<hostname>` or `anonymous`. */
  identity: string;
  /** The transport the call came in on. */
  transport: Transport;
  /** The CA-verified client certificate of a TCP caller, when one was presented. */
  peerCertificate?: PeerCertificate;
  /** Remote address for logs (observability.md `peer`), `unknown` when the transport has none. */
  peer: string;
  /** The caller's `x-request-id`, or a fresh one. */
  requestId: string;
  /** Aborted when the caller goes away or the server shuts down. */
  signal: AbortSignal;
  /** Request metadata (gRPC metadata or HTTP headers; binary `-bin` entries are left out). */
  metadata: Headers;
}

interface Definitions {
  Cluster: typeof ClusterDefinition;
  Deploy: typeof DeployDefinition;
  Tokens: typeof TokensDefinition;
  RegistryCredentials: typeof RegistryCredentialsDefinition;
  Audit: typeof AuditDefinition;
  Watch: typeof WatchDefinition;
  Internal: typeof InternalDefinition;
}

type Decoded<C> = C extends { decode(input: Uint8Array): infer T } ? T : never;

interface GenericMethod {
  name: string;
  requestType: unknown;
  responseType: unknown;
  requestStream: boolean;
  responseStream: boolean;
}

type MethodEntry<S extends string, M> = M extends GenericMethod ? {
    path: `/jaco.v1.${S}/${M["name"]}`;
    request: Decoded<M["requestType"]>;
    response: Decoded<M["responseType"]>;
    requestStream: M["requestStream"];
    responseStream: M["responseStream"];
  }
  : never;

type Entries = {
  [S in keyof Definitions]: {
    [K in keyof Definitions[S]["methods"]]: MethodEntry<S, Definitions[S]["methods"][K]>;
  }[keyof Definitions[S]["methods"]];
}[keyof Definitions];

/**
 * Full paths of the methods a table can serve. Client-streaming methods (`Cluster.Restore`,
 * reserved) are left out: the API has no handler shape for them, so they are always
 * Unimplemented.
 */
export type MethodPath = Extract<Entries, { requestStream: false }>["path"];

type EntryAt<P extends MethodPath> = Extract<Entries, { path: P }>;

/** The request message type of a method. */
export type RequestOf<P extends MethodPath> = EntryAt<P>["request"];
/** The response message type of a method (one stream item for a server stream). */
export type ResponseOf<P extends MethodPath> = EntryAt<P>["response"];

/** A unary handler: one request, one response. */
export type UnaryHandler<Req, Res> = (request: Req, context: CallContext) => Promise<Res>;
/** A server-streaming handler; it should stop when `context.signal` aborts. */
export type StreamHandler<Req, Res> = (request: Req, context: CallContext) => AsyncIterable<Res>;

/** The handler shape of a method: streaming or unary, as its .proto says. */
export type HandlerOf<P extends MethodPath> = EntryAt<P>["responseStream"] extends true
  ? StreamHandler<RequestOf<P>, ResponseOf<P>>
  : UnaryHandler<RequestOf<P>, ResponseOf<P>>;

/**
 * Handlers keyed by full method path; a missing entry answers Unimplemented.
 *
 * @example
 * ```ts
 * const table: HandlerTable = {
 *   "/jaco.v1.Cluster/Status": async () => ClusterStatusResponse.fromPartial({ initialized: true }),
 *   "/jaco.v1.Cluster/Backup": async function* () {
 *     yield BackupChunk.fromPartial({ data: new Uint8Array([1]) });
 *   },
 * };
 * ```
 */
export type HandlerTable = { readonly [P in MethodPath]?: HandlerOf<P> };
