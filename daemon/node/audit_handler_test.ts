import assert from "node:assert/strict";
import { AuditEventType, AuditQueryRequest, ClusterInit, Command } from "../../proto/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import type { CallContext } from "../api/mod.ts";
import { auditQueryHandler } from "./audit_handler.ts";

Deno.test("auditQueryHandler() streams the state's matching audit history in raft order", async () => {
  const state = new ClusterState();
  const write = (index: number, payload: Command["payload"]) =>
    state.apply(
      Command.encode(Command.fromPartial({
        clusterId: "c1",
        ts: new Date(Date.UTC(2026, 0, 1, 0, 0, index)),
        identity: "local",
        payload,
      })).finish(),
      index,
    );
  write(1, { $case: "clusterInit", value: ClusterInit.fromPartial({ clusterId: "c1" }) });
  write(2, {
    $case: "tokenIssue",
    value: { identity: "a", hashedSecret: new Uint8Array(32), allowsPrivileged: false },
  });
  write(3, { $case: "tokenRevoke", value: { identity: "a" } });
  const context = { signal: new AbortController().signal } as CallContext;
  const request = AuditQueryRequest.fromPartial({
    types: [
      AuditEventType.AUDIT_EVENT_TYPE_TOKEN_REVOKE,
      AuditEventType.AUDIT_EVENT_TYPE_TOKEN_ISSUE,
    ],
  });
  const events = [];
  for await (const event of auditQueryHandler(() => state)(request, context)) events.push(event);
  assert.deepEqual(events.map((event) => [event.raftIndex, event.type]), [
    [2, AuditEventType.AUDIT_EVENT_TYPE_TOKEN_ISSUE],
    [3, AuditEventType.AUDIT_EVENT_TYPE_TOKEN_REVOKE],
  ]);
});
