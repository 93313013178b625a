/**
 * The jaco.v1 RPC contract (`spec/rpc.md`): the TypeScript bindings generated from
 * `proto/jaco/v1/*.proto` (messages with `encode`/`decode`/`fromJSON`/`toJSON`, enums as
 * `const` objects, grpc-js clients and server interfaces), the typed {@link services} table the
 * daemon serves over gRPC and the local JSON API, the error envelope (`errors.ts`) and its
 * gRPC carriage ({@link toGrpcStatus} / {@link errorFromGrpcStatus}).
 *
 * Regenerate the bindings with `deno task proto` after editing a `.proto`; CI runs
 * `deno task proto --check`.
 *
 * @example
 * ```ts
 * import { Command, services } from "./mod.ts";
 *
 * const bytes = Command.encode(Command.fromPartial({
 *   identity: "alice",
 *   payload: { $case: "tokenRevoke", value: { identity: "bob" } },
 * })).finish();
 * services.Internal.methods.Submit.path; // "/jaco.v1.Internal/Submit"
 * ```
 *
 * @module
 */

export * from "./enum_names.ts";
export * from "./errors.ts";
export * from "./grpc_error.ts";
export * from "./replica_command_ops.ts";
export * from "./service_registry.ts";
export * from "./watch_entity_types.ts";

export * from "./jaco/v1/audit.ts";
export * from "./jaco/v1/cluster.ts";
export * from "./jaco/v1/commands.ts";
export * from "./jaco/v1/deploy.ts";
export * from "./jaco/v1/entities.ts";
export * from "./jaco/v1/enums.ts";
export * from "./jaco/v1/internal.ts";
export * from "./jaco/v1/registry.ts";
export * from "./jaco/v1/snapshot.ts";
export * from "./jaco/v1/tokens.ts";
export * from "./jaco/v1/watch.ts";
/** The `jaco.v1.Error` message (the wire form of `JacoError`), renamed so it never shadows `Error`. */
export { Error as WireError } from "./jaco/v1/errors.ts";
/** Every generated file declares these identically; one explicit export resolves the overlap. */
export { protobufPackage } from "./jaco/v1/errors.ts";
export type { DeepPartial, Exact, MessageFns } from "./jaco/v1/errors.ts";
