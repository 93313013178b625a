/**
 * One typed table of every jaco.v1 RPC, derived from the generated code: the generic
 * definitions give each method's message codecs, the grpc-js definitions its wire path and
 * serializers. The daemon builds its handler table from this once and serves it both over gRPC
 * (`server.addService(services.X.grpc, …)`) and as JSON on the unix socket (`POST <path>` with
 * `requestType.fromJSON` / `responseType.toJSON`), so no RPC is written twice.
 *
 * @module
 */
import type { MethodDefinition } from "@grpc/grpc-js";
import { AuditDefinition, AuditService } from "./jaco/v1/audit.ts";
import { ClusterDefinition, ClusterService } from "./jaco/v1/cluster.ts";
import { DeployDefinition, DeployService } from "./jaco/v1/deploy.ts";
import { InternalDefinition, InternalService } from "./jaco/v1/internal.ts";
import { RegistryCredentialsDefinition, RegistryCredentialsService } from "./jaco/v1/registry.ts";
import { TokensDefinition, TokensService } from "./jaco/v1/tokens.ts";
import { WatchDefinition, WatchService } from "./jaco/v1/watch.ts";

/** Encode/decode/JSON functions of one generated message type. */
export interface MessageCodec<T> {
  /** Binary encoding (`.finish()` gives the bytes). */
  encode(message: T): { finish(): Uint8Array };
  /** Binary decoding. */
  decode(input: Uint8Array): T;
  /** From proto3 JSON (camelCase or original field names). */
  fromJSON(object: unknown): T;
  /** To proto3 JSON (camelCase). */
  toJSON(message: T): unknown;
}

// grpc-js types its method definitions with contravariant serializer parameters; `any` is the
// only way to accept every method of a service in one slot.
// deno-lint-ignore no-explicit-any
type AnyMethodDefinition = MethodDefinition<any, any>;

/** One RPC of the table. */
export interface RpcMethod<Request, Response> {
  /** Service name, e.g. `Deploy`. */
  readonly service: string;
  /** Method name as in the .proto, e.g. `Apply`. */
  readonly name: string;
  /** Full wire path, e.g. `/jaco.v1.Deploy/Apply`; also the local JSON route. */
  readonly path: string;
  /** The client sends a stream. */
  readonly requestStream: boolean;
  /** The server sends a stream. */
  readonly responseStream: boolean;
  /** Request message codec. */
  readonly requestType: MessageCodec<Request>;
  /** Response message codec. */
  readonly responseType: MessageCodec<Response>;
  /** The grpc-js method definition (path + Buffer serializers). */
  readonly grpc: AnyMethodDefinition;
}

interface GenericMethod {
  readonly name: string;
  readonly requestType: { decode(input: Uint8Array): unknown };
  readonly responseType: { decode(input: Uint8Array): unknown };
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

interface GenericService {
  readonly name: string;
  readonly fullName: string;
  readonly methods: Readonly<Record<string, GenericMethod>>;
}

type Decoded<C> = C extends { decode(input: Uint8Array): infer T } ? T : never;

/** The methods of a generic definition, keyed by their .proto name. */
export type RpcMethodsOf<D extends GenericService> = {
  readonly [K in keyof D["methods"] as D["methods"][K]["name"]]: RpcMethod<
    Decoded<D["methods"][K]["requestType"]>,
    Decoded<D["methods"][K]["responseType"]>
  >;
};

/** One service of the table. */
export interface RpcService<D extends GenericService> {
  /** Service name, e.g. `Cluster`. */
  readonly name: D["name"];
  /** Qualified name, e.g. `jaco.v1.Cluster`. */
  readonly fullName: D["fullName"];
  /**
   * grpc-js service definition keyed by .proto method name (the generated one is keyed by
   * lowerCamel names), so `server.addService(service.grpc, { Issue: handler, … })` uses the same
   * names as {@link RpcService.methods}.
   */
  readonly grpc: Readonly<Record<string, AnyMethodDefinition>>;
  /** Methods keyed by .proto name. */
  readonly methods: RpcMethodsOf<D>;
}

/** Raised when the generated definitions disagree (a generator bug, not user input). */
export class RegistryInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RegistryInvariantError";
  }
}

function defineService<D extends GenericService>(
  definition: D,
  grpc: Readonly<Record<string, AnyMethodDefinition>>,
): RpcService<D> {
  const methods: Record<string, RpcMethod<unknown, unknown>> = {};
  const byProtoName: Record<string, AnyMethodDefinition> = {};
  for (const [key, method] of Object.entries(definition.methods)) {
    const wire = grpc[key];
    const path = `/${definition.fullName}/${method.name}`;
    if (
      wire?.path !== path || wire.requestStream !== method.requestStream ||
      wire.responseStream !== method.responseStream
    ) {
      throw new RegistryInvariantError(
        `grpc-js definition of ${definition.name}.${method.name} disagrees with the generic one ` +
          `(path ${wire?.path}, want ${path})`,
      );
    }
    methods[method.name] = {
      service: definition.name,
      name: method.name,
      path,
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      requestType: method.requestType as MessageCodec<unknown>,
      responseType: method.responseType as MessageCodec<unknown>,
      grpc: wire,
    };
    byProtoName[method.name] = wire;
  }
  return {
    name: definition.name,
    fullName: definition.fullName,
    grpc: byProtoName,
    methods: methods as RpcMethodsOf<D>,
  };
}

/**
 * Every jaco.v1 service, keyed by service name, then method name.
 *
 * @example
 * ```ts
 * const apply = services.Deploy.methods.Apply;
 * apply.path; // "/jaco.v1.Deploy/Apply"
 * const request = apply.requestType.fromJSON({ jacoYaml: "", dryRun: true });
 * ```
 */
export const services = {
  Cluster: defineService(ClusterDefinition, ClusterService),
  Deploy: defineService(DeployDefinition, DeployService),
  Tokens: defineService(TokensDefinition, TokensService),
  RegistryCredentials: defineService(RegistryCredentialsDefinition, RegistryCredentialsService),
  Audit: defineService(AuditDefinition, AuditService),
  Watch: defineService(WatchDefinition, WatchService),
  Internal: defineService(InternalDefinition, InternalService),
} as const;

/** A service name of the table. */
export type ServiceName = keyof typeof services;

const methodsByPath: ReadonlyMap<string, RpcMethod<unknown, unknown>> = new Map(
  Object.values(services).flatMap((service) =>
    Object.values(service.methods as Record<string, RpcMethod<unknown, unknown>>).map((
      method,
    ) => [method.path, method] as const)
  ),
);

/** Every method of every service, in table order. */
export function allMethods(): RpcMethod<unknown, unknown>[] {
  return [...methodsByPath.values()];
}

/**
 * The method served at a wire path (`/jaco.v1.<Service>/<Method>`), or undefined.
 *
 * @example
 * ```ts
 * methodByPath("/jaco.v1.Cluster/Status")?.responseStream; // false
 * ```
 */
export function methodByPath(path: string): RpcMethod<unknown, unknown> | undefined {
  return methodsByPath.get(path);
}
