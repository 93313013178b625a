import assert from "node:assert/strict";
import { enumFromShortName, enumShortName } from "./enum_names.ts";
import {
  AuditEventType,
  DeploymentStatus,
  NodeStatus,
  ReplicaState,
  RolloutState,
} from "./jaco/v1/enums.ts";
import { NodeSuffrage_Kind } from "./jaco/v1/cluster.ts";
import { ServiceSpec_PlacementMode } from "./jaco/v1/entities.ts";

Deno.test("enumShortName() strips the enum prefix and lower-cases", () => {
  assert.equal(enumShortName(ReplicaState, ReplicaState.REPLICA_STATE_RUNNING), "running");
  assert.equal(enumShortName(ReplicaState, 0), "unspecified");
  assert.equal(enumShortName(NodeStatus, 3), "isolation_unavailable");
  assert.equal(enumShortName(DeploymentStatus, 1), "pending");
  assert.equal(enumShortName(RolloutState, 1), "in_progress");
  assert.equal(enumShortName(NodeSuffrage_Kind, 2), "nonvoter");
  assert.equal(enumShortName(ServiceSpec_PlacementMode, 4), "global");
  assert.equal(enumShortName(AuditEventType, 23), "rebalance_skipped");
});

Deno.test("enumShortName() gives undefined for numbers outside the enum", () => {
  assert.equal(enumShortName(AuditEventType, 22), undefined);
  assert.equal(enumShortName(AuditEventType, -1), undefined);
  assert.equal(enumShortName(ReplicaState, 99), undefined);
});

Deno.test("enumFromShortName() parses table and JSON forms and rejects unknown names", () => {
  assert.equal(enumFromShortName(AuditEventType, "rebalance_skipped"), 23);
  assert.equal(enumFromShortName(AuditEventType, "NODE_JOIN"), 4);
  assert.equal(enumFromShortName(ReplicaState, "stopped"), 7);
  assert.equal(enumFromShortName(AuditEventType, "rebalance_dry_run"), undefined);
  assert.equal(enumFromShortName(ReplicaState, "unrecognized"), undefined);
  assert.equal(enumFromShortName(ReplicaState, ""), undefined);
});

Deno.test("enumFromShortName() inverts enumShortName() for every audit type", () => {
  for (const value of Object.values(AuditEventType)) {
    if (value < 0) continue;
    assert.equal(enumFromShortName(AuditEventType, enumShortName(AuditEventType, value)!), value);
  }
});
