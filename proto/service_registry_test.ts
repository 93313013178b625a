import assert from "node:assert/strict";
import {
  credentials,
  type sendUnaryData,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceError,
} from "@grpc/grpc-js";
import { JacoError } from "./errors.ts";
import { errorFromGrpcStatus, toGrpcStatus } from "./grpc_error.ts";
import { allMethods, methodByPath, services } from "./service_registry.ts";
import { TokensClient } from "./jaco/v1/tokens.ts";
import type { IssueTokenRequest, IssueTokenResponse } from "./jaco/v1/tokens.ts";

const expected: Record<string, string[]> = {
  Cluster: [
    "Init",
    "Join",
    "Bootstrap",
    "IssueJoinToken",
    "NodeJoin",
    "NodeRemove",
    "NodeList",
    "Backup",
    "Restore",
    "Status",
  ],
  Deploy: ["Apply", "Rollback", "Delete", "Status", "Logs", "GetReplicas", "GetRoute"],
  Tokens: ["Issue", "Revoke", "List"],
  RegistryCredentials: ["Add", "Remove", "List"],
  Audit: ["Query"],
  Watch: ["Subscribe"],
  Internal: ["Submit", "SignNodeCert", "Logs", "EnsureSubnet"],
};

Deno.test("services lists every method of rpc.md §1 under /jaco.v1.<Service>/<Method>", () => {
  for (const [service, methods] of Object.entries(expected)) {
    const entry = services[service as keyof typeof services];
    assert.equal(entry.fullName, `jaco.v1.${service}`);
    assert.deepEqual(Object.keys(entry.methods), methods, service);
  }
  assert.equal(allMethods().length, 29);
  for (const method of allMethods()) {
    assert.equal(method.path, `/jaco.v1.${method.service}/${method.name}`);
    assert.equal(methodByPath(method.path), method);
  }
  assert.equal(methodByPath("/jaco.v1.Deploy/Nope"), undefined);
});

Deno.test("services marks the streaming directions of rpc.md §1", () => {
  const streaming = allMethods()
    .filter((method) => method.requestStream || method.responseStream)
    .map((method) =>
      `${method.path} ${method.requestStream ? "in" : ""}${method.responseStream ? "out" : ""}`
    );
  assert.deepEqual(streaming, [
    "/jaco.v1.Cluster/Backup out",
    "/jaco.v1.Cluster/Restore in",
    "/jaco.v1.Deploy/Logs out",
    "/jaco.v1.Audit/Query out",
    "/jaco.v1.Watch/Subscribe out",
    "/jaco.v1.Internal/Logs out",
  ]);
});

Deno.test("services codecs map JSON to binary and back for the local API", () => {
  const apply = services.Deploy.methods.Apply;
  const request = apply.requestType.fromJSON({ jaco_yaml: btoa("name: web"), dryRun: true });
  assert.equal(new TextDecoder().decode(request.jacoYaml), "name: web");
  const bytes = apply.requestType.encode(request).finish();
  assert.deepEqual(apply.requestType.decode(bytes), request);
  assert.deepEqual(apply.responseType.toJSON({ appliedRevision: 4, diff: undefined }), {
    appliedRevision: 4,
  });
  // grpc-js hands handlers Buffers; decoded bytes fields are Buffer views, equal in content.
  const wire = apply.grpc.requestSerialize(request);
  assert.deepEqual(new Uint8Array(wire), bytes);
  const served = apply.grpc.requestDeserialize(wire) as typeof request;
  assert.deepEqual(new Uint8Array(served.jacoYaml), request.jacoYaml);
  assert.equal(served.dryRun, true);
});

Deno.test("a grpc-js server built from services carries JacoError to the client", async () => {
  const server = new Server();
  server.addService(services.Tokens.grpc, {
    Issue(
      call: ServerUnaryCall<IssueTokenRequest, IssueTokenResponse>,
      callback: sendUnaryData<IssueTokenResponse>,
    ) {
      if (call.request.identity === "") {
        callback(toGrpcStatus(
          new JacoError("validation_failed", "identity is required", {
            field: "identity",
          }),
        ));
        return;
      }
      callback(null, { identity: call.request.identity, token: "secret", issuedAt: new Date(0) });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      ServerCredentials.createInsecure(),
      (error, bound) => error ? reject(error) : resolve(bound),
    )
  );
  const client = new TokensClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const issue = (identity: string) =>
    new Promise<IssueTokenResponse>((resolve, reject) =>
      client.issue(
        { identity, allowsPrivileged: false },
        (error: ServiceError | null, response?: IssueTokenResponse) =>
          error ? reject(error) : resolve(response!),
      )
    );
  try {
    assert.deepEqual(await issue("alice"), {
      identity: "alice",
      token: "secret",
      issuedAt: new Date(0),
    });
    const failure = await issue("").then(
      () => assert.fail("expected a failure"),
      (error: ServiceError) => error,
    );
    assert.equal(failure.details, "validation_failed");
    assert.deepEqual(errorFromGrpcStatus(failure).toJSON(), {
      code: "validation_failed",
      message: "identity is required",
      details: { field: "identity" },
    });
  } finally {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }
});
