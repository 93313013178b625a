import assert from "node:assert/strict";
import {
  ApplyRequest,
  AuditQueryRequest,
  isJacoError,
  LogsRequest,
  SubscribeRequest,
} from "../../proto/mod.ts";
import { decodeJsonMessage } from "./_json_message.ts";

function failure(run: () => unknown): { message: string; details: Record<string, string> } {
  try {
    run();
  } catch (error) {
    assert.ok(isJacoError(error));
    assert.equal(error.code, "validation_failed");
    return { message: error.message, details: error.details };
  }
  throw new Error("expected validation_failed");
}

Deno.test("decodeJsonMessage() accepts camelCase, snake_case and proto3 normalizations", () => {
  assert.deepEqual(
    decodeJsonMessage(LogsRequest, {
      deployment: "web",
      since_seconds: "30",
      follow: true,
      replicaId: null,
    }),
    LogsRequest.fromPartial({ deployment: "web", sinceSeconds: 30, follow: true }),
  );
  const apply = decodeJsonMessage(ApplyRequest, { jacoYaml: btoa("a: 1"), dryRun: false });
  assert.equal(new TextDecoder().decode(apply.jacoYaml), "a: 1");
  assert.deepEqual(
    decodeJsonMessage(SubscribeRequest, { entityTypes: ["node", "route"] }).entityTypes,
    ["node", "route"],
  );
});

Deno.test("decodeJsonMessage() names a field whose type the generated code would coerce", () => {
  assert.deepEqual(failure(() => decodeJsonMessage(LogsRequest, { follow: "yes" })), {
    message: `field "follow" has the wrong type: got string, want boolean`,
    details: { field: "follow", got: "string", want: "boolean" },
  });
  assert.equal(
    failure(() => decodeJsonMessage(LogsRequest, { deployment: { name: "web" } })).details.field,
    "deployment",
  );
  assert.equal(
    failure(() => decodeJsonMessage(LogsRequest, { sinceSeconds: "soon" })).details.field,
    "sinceSeconds",
  );
  assert.equal(
    failure(() => decodeJsonMessage(SubscribeRequest, { entityTypes: "node" })).details.field,
    "entityTypes",
  );
});

Deno.test("decodeJsonMessage() accepts enums by name or number and refuses unknown values", () => {
  assert.deepEqual(
    decodeJsonMessage(AuditQueryRequest, { types: ["AUDIT_EVENT_TYPE_BACKUP_TAKEN", 0] }).types
      .length,
    2,
  );
  assert.match(
    failure(() => decodeJsonMessage(AuditQueryRequest, { types: ["NOPE"] })).message,
    /^field "types\[0\]" has an unknown enum value$/,
  );
});

Deno.test("decodeJsonMessage() refuses unknown fields and non-object bodies", () => {
  assert.equal(
    failure(() => decodeJsonMessage(LogsRequest, { deploymnet: "web" })).message,
    `field "deploymnet" is unknown or has the wrong type`,
  );
  for (const body of [null, [], "x", 3, true]) {
    assert.match(
      failure(() => decodeJsonMessage(LogsRequest, body)).message,
      /^request body must be a JSON object/,
    );
  }
});

Deno.test("decodeJsonMessage() turns a generated-code exception into validation_failed", () => {
  const { details } = failure(() => decodeJsonMessage(ApplyRequest, { jacoYaml: "%%%" }));
  assert.ok(details.reason);
});
