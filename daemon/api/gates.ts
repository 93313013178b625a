/**
 * The steps every call passes before its handler, on both transports, in the order of
 * architecture.md §3 / auth-and-config.md §5: request id (+ start log) → pre-init gate →
 * admission.
 * A gate sees the inbound call and what earlier gates admitted; it returns the admission it
 * refines or throws a {@link JacoError}. {@link standardGates} builds the contract chain; tests
 * and the daemon may compose their own.
 *
 * Decisions where the spec is silent:
 * - `Internal.*` is refused without a CA-signed client certificate on EVERY transport (the
 *   reference left it open; nothing legitimate calls the peer surface over the socket). The
 *   refusal is `token_invalid` (gRPC Unauthenticated): the caller did not authenticate, which is
 *   what that code means to clients; `details.reason` = `peer_certificate_required`.
 * - Socket-only methods (`Cluster.Init`, `Cluster.Join`) over TCP are `privilege_denied`
 *   (PermissionDenied): the caller may be authenticated, but not allowed to do this from there.
 * - Unauthenticated methods get identity `anonymous`; peers get `node:<certificate CN>`.
 * - A TCP call with a CA-signed member certificate and the {@link forwardedIdentityHeader} is a
 *   member re-invoking a leader-only operator method (`Cluster.NodeRemove`, `Cluster.Backup`) for
 *   its own caller, who was admitted there; it runs as that identity. Members are trusted with
 *   `Internal.Submit` already, so this grants nothing new.
 *
 * @module
 */
import { JacoError, methodByPath } from "../../proto/mod.ts";
import { parseBearer } from "../secrets.ts";
import type { PeerCertificate, Transport } from "./handler_table.ts";

/** A call as it arrives, before any gate ran. */
export interface InboundCall {
  /** Full method path, e.g. `/jaco.v1.Deploy/Apply`. */
  path: string;
  /** Where it came in. */
  transport: Transport;
  /** Request metadata / headers. */
  metadata: Headers;
  /** The CA-verified client certificate (TCP only; absent when none or not CA-signed). */
  peerCertificate?: PeerCertificate;
  /** Remote address as the transport reports it; absent when unknown (the unix socket). */
  peer?: string;
}

/** What the gates established so far. */
export interface Admission {
  /** Set by the request id gate. */
  requestId?: string;
  /** Set by admission. */
  identity?: string;
}

/** One step of the chain: returns the refined admission or throws a {@link JacoError}. */
export type Gate = (call: InboundCall, admission: Admission) => Admission | Promise<Admission>;

/** Methods served before the cluster is initialized. */
export const preInitMethods: ReadonlySet<string> = new Set([
  "/jaco.v1.Cluster/Init",
  "/jaco.v1.Cluster/Join",
  "/jaco.v1.Cluster/Status",
]);

/** Methods that skip token admission (NodeJoin carries its join token in the body). */
export const unauthenticatedMethods: ReadonlySet<string> = new Set([
  "/jaco.v1.Cluster/Status",
  "/jaco.v1.Cluster/NodeJoin",
]);

/** Methods served only on the local unix socket. */
export const socketOnlyMethods: ReadonlySet<string> = new Set([
  "/jaco.v1.Cluster/Init",
  "/jaco.v1.Cluster/Join",
]);

const internalPrefix = "/jaco.v1.Internal/";

/** Metadata a forwarding member sets to the identity it admitted (see module doc). */
export const forwardedIdentityHeader = "x-jaco-forwarded-identity";
const requestIdPattern = /^[\x21-\x7e]{1,128}$/;

/**
 * Honours a well-formed caller `x-request-id` (1–128 printable ASCII characters), else mints
 * one with `newRequestId`.
 */
export function requestIdGate(
  newRequestId: () => string = () => crypto.randomUUID(),
): Gate {
  return (call, admission) => {
    const offered = call.metadata.get("x-request-id");
    const requestId = offered && requestIdPattern.test(offered) ? offered : newRequestId();
    return { ...admission, requestId };
  };
}

/** The per-RPC start record of observability.md (`rpc start` / `stream start`, DEBUG level). */
export type RpcStartLog = (
  message: "rpc start" | "stream start",
  attributes: { request_id: string; method: string; peer: string },
) => void;

/** Logs each call's start with its request id, method and peer (`unknown` when absent). */
export function requestLogGate(log: RpcStartLog): Gate {
  return (call, admission) => {
    log(methodByPath(call.path)?.responseStream ? "stream start" : "rpc start", {
      request_id: admission.requestId ?? "",
      method: call.path,
      peer: call.peer ?? "unknown",
    });
    return admission;
  };
}

/**
 * Until `isInitialized()` is true only `Cluster.Init/Join/Status` pass; everything else is
 * `cluster_uninitialized` (gRPC Unavailable) with a hint.
 */
export function initGate(isInitialized: () => boolean): Gate {
  return (call, admission) => {
    if (isInitialized() || preInitMethods.has(call.path)) return admission;
    throw new JacoError("cluster_uninitialized", "cluster is not initialized", {
      hint: "run `jaco cluster init` or `jaco node join`",
      method: call.path,
    });
  };
}

/**
 * Resolves a bearer token to its identity; throws `token_invalid` (unknown) or `token_revoked`.
 */
export type Authenticate = (token: string) => string | Promise<string>;

function bearerToken(metadata: Headers): string {
  // Headers joins repeated values with ", "; the first value is the one presented (§2).
  return parseBearer(metadata.get("authorization")?.split(",")[0]);
}

/**
 * Token and peer admission (auth-and-config.md §2, §5): `Internal.*` needs a CA-signed peer
 * certificate; socket callers are `local`; socket-only methods are refused over TCP;
 * unauthenticated methods pass as `anonymous`; every other TCP call needs a valid bearer token.
 *
 * @throws {JacoError} `token_invalid`, `token_revoked` (from `authenticate`), `privilege_denied`
 */
export function admissionGate(authenticate: Authenticate): Gate {
  return async (call, admission) => {
    if (call.path.startsWith(internalPrefix)) {
      if (call.transport !== "tcp" || !call.peerCertificate) {
        throw new JacoError(
          "token_invalid",
          `method ${call.path} requires a node certificate signed by the cluster CA`,
          { reason: "peer_certificate_required", method: call.path },
        );
      }
      return { ...admission, identity: `node:${call.peerCertificate.commonName}` };
    }
    if (call.transport === "socket") return { ...admission, identity: "local" };
    const forwardedFor = call.peerCertificate && call.metadata.get(forwardedIdentityHeader);
    if (forwardedFor && !socketOnlyMethods.has(call.path)) {
      return { ...admission, identity: forwardedFor };
    }
    if (socketOnlyMethods.has(call.path)) {
      throw new JacoError(
        "privilege_denied",
        `method ${call.path} is only served on the local unix socket`,
        { method: call.path, transport: call.transport },
      );
    }
    if (unauthenticatedMethods.has(call.path)) return { ...admission, identity: "anonymous" };
    return { ...admission, identity: await authenticate(bearerToken(call.metadata)) };
  };
}

/** Injected dependencies of {@link standardGates}. */
export interface StandardGateOptions {
  /** True once the node has raft state (after init/join or on a restart with state). */
  isInitialized: () => boolean;
  /** Token → identity. */
  authenticate: Authenticate;
  /** Request id source (default `crypto.randomUUID`). */
  newRequestId?: () => string;
  /** Per-RPC start log; none when absent. */
  log?: RpcStartLog;
}

/**
 * The contract chain: request id (and start log) → pre-init gate → admission.
 *
 * @example
 * ```ts
 * const gates = standardGates({ isInitialized: () => raft.started, authenticate: tokens.verify });
 * ```
 */
export function standardGates(options: StandardGateOptions): Gate[] {
  return [
    requestIdGate(options.newRequestId),
    ...(options.log ? [requestLogGate(options.log)] : []),
    initGate(options.isInitialized),
    admissionGate(options.authenticate),
  ];
}
