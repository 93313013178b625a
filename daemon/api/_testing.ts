/**
 * Test fixtures shared by the API tests: one fake handler table, a fake token store, and one
 * client per transport that reduces every answer to the same comparable outcome (proto3 JSON of
 * the response(s) or the error envelope), so a test can assert both transports agree.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import {
  ApplyResponse,
  AuditEvent,
  BackupChunk,
  ClusterInitResponse,
  ClusterStatusResponse,
  EnsureSubnetResponse,
  type ErrorEnvelope,
  errorFromGrpcStatus,
  IssueTokenResponse,
  JacoError,
  LogLine,
  methodByPath,
  RollbackResponse,
  type RpcMethod,
  services,
} from "../../proto/mod.ts";
import type { Authenticate } from "./gates.ts";
import type { HandlerTable } from "./handler_table.ts";

/** Tokens the fake store knows: `good` → alice, `revoked` → revoked. */
export const fakeAuthenticate: Authenticate = (token) => {
  if (token === "good") return "alice";
  if (token === "revoked") throw new JacoError("token_revoked", "token has been revoked");
  throw new JacoError("token_invalid", "unknown token");
};

/** The fake table; handlers echo what they saw so tests can check context and decoding. */
export function fakeTable(observations?: { logsStopped?: () => void }): HandlerTable {
  return {
    "/jaco.v1.Cluster/Status": (_request, context) =>
      Promise.resolve(
        ClusterStatusResponse.fromPartial({
          initialized: true,
          leader: context.identity,
          raftIndex: 7,
        }),
      ),
    "/jaco.v1.Cluster/Init": (request, context) =>
      Promise.resolve(ClusterInitResponse.fromPartial({
        clusterId: `${request.clusterName}-id`,
        operatorToken: `${context.transport}/${context.requestId}`,
      })),
    "/jaco.v1.Tokens/Issue": (request, context) => {
      if (request.identity === "") {
        return Promise.reject(
          new JacoError("validation_failed", "identity is required", { field: "identity" }),
        );
      }
      return Promise.resolve(IssueTokenResponse.fromPartial({
        identity: request.identity,
        token: `${context.identity}:${request.allowsPrivileged}`,
      }));
    },
    "/jaco.v1.Deploy/Apply": (request) =>
      Promise.resolve(ApplyResponse.fromPartial({ appliedRevision: request.jacoYaml.length })),
    "/jaco.v1.Tokens/Revoke": () => Promise.reject(new Error("store exploded")),
    "/jaco.v1.Deploy/Rollback": (request) =>
      request.deployment === "web"
        ? Promise.resolve(RollbackResponse.fromPartial({ revision: 3 }))
        : Promise.reject(
          new JacoError("deployment_not_found", `deployment "${request.deployment}" not found`, {
            deployment: request.deployment,
          }),
        ),
    "/jaco.v1.Cluster/Backup": async function* () {
      for (const byte of [1, 2, 3]) yield BackupChunk.fromPartial({ data: new Uint8Array([byte]) });
    },
    "/jaco.v1.Audit/Query": async function* () {
      yield AuditEvent.fromPartial({ raftIndex: 1, identity: "alice" });
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new JacoError("no_leader", "no leader elected", { term: "4" });
    },
    "/jaco.v1.Deploy/Logs": async function* (request, context) {
      if (request.deployment === "") {
        throw new JacoError("validation_failed", "deployment is required", {
          field: "deployment",
        });
      }
      let index = 0;
      try {
        while (!context.signal.aborted) {
          yield LogLine.fromPartial({ replicaId: `r${index}`, line: `line ${index}` });
          index += 1;
          if (!request.follow && index === 2) return;
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      } finally {
        observations?.logsStopped?.();
      }
    },
    "/jaco.v1.Internal/EnsureSubnet": (_request, context) =>
      Promise.resolve(EnsureSubnetResponse.fromPartial({ cidr: context.identity })),
  };
}

/** One call's result reduced to data: response JSON (list for streams) and/or the error. */
export interface Outcome {
  status?: number;
  response?: unknown;
  items?: unknown[];
  error?: ErrorEnvelope;
}

function methodAt(path: string): RpcMethod<unknown, unknown> {
  const method = methodByPath(path);
  if (!method) throw new Error(`no method ${path}`);
  return method;
}

/** Calls the local JSON API (any `fetch`-shaped app) and reduces the answer. */
export async function callJson(
  fetchApp: (request: Request) => Response | Promise<Response>,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  const response = await fetchApp(
    new Request(`http://jaco${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
  const text = await response.text();
  if (response.headers.get("content-type") === "application/x-ndjson") {
    const lines = text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
    const last = lines.at(-1);
    if (last && typeof last === "object" && "error" in last) {
      return { status: response.status, items: lines.slice(0, -1), error: last.error };
    }
    return { status: response.status, items: lines };
  }
  const parsed = JSON.parse(text);
  return response.ok
    ? { status: response.status, response: parsed }
    : { status: response.status, error: parsed };
}

/** What a gRPC test client connects with. */
export interface GrpcClientOptions {
  port: number;
  caPem: string;
  /** Client certificate (a node); absent = operator without a certificate. */
  clientCert?: { cert: string; key: string };
  token?: string;
  metadata?: Record<string, string>;
}

type Callback = (error: grpc.ServiceError | null, value?: unknown) => void;
interface GenericClient extends grpc.Client {
  [method: string]: unknown;
}

function clientFor(path: string, options: GrpcClientOptions): GenericClient {
  const method = methodAt(path);
  const service = services[method.service as keyof typeof services];
  const Client = grpc.makeGenericClientConstructor(service.grpc, method.service);
  const credentials = grpc.credentials.createSsl(
    Buffer.from(options.caPem),
    options.clientCert ? Buffer.from(options.clientCert.key) : null,
    options.clientCert ? Buffer.from(options.clientCert.cert) : null,
  );
  return new Client(`127.0.0.1:${options.port}`, credentials, {
    "grpc.ssl_target_name_override": "localhost",
  }) as GenericClient;
}

function callMetadata(options: GrpcClientOptions): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (options.token !== undefined) metadata.set("authorization", `Bearer ${options.token}`);
  for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
  return metadata;
}

/** Calls the gRPC API with a proto3-JSON request and reduces the answer like {@link callJson}. */
export async function callGrpc(
  path: string,
  requestJson: unknown,
  options: GrpcClientOptions,
): Promise<Outcome> {
  const method = methodAt(path);
  const client = clientFor(path, options);
  const request = method.requestType.fromJSON(requestJson);
  try {
    if (method.responseStream) {
      const call = (client[method.name] as (
        r: unknown,
        m: grpc.Metadata,
      ) => grpc.ClientReadableStream<unknown>)
        .call(client, request, callMetadata(options));
      const items: unknown[] = [];
      try {
        for await (const item of call) items.push(method.responseType.toJSON(item));
      } catch (error) {
        return { items, error: errorFromGrpcStatus(error as grpc.ServiceError).toJSON() };
      }
      return { items };
    }
    return await new Promise<Outcome>((resolve) => {
      (client[method.name] as (r: unknown, m: grpc.Metadata, c: Callback) => void).call(
        client,
        request,
        callMetadata(options),
        (error, value) =>
          resolve(
            error
              ? { error: errorFromGrpcStatus(error).toJSON() }
              : { response: method.responseType.toJSON(value) },
          ),
      );
    });
  } finally {
    client.close();
  }
}
