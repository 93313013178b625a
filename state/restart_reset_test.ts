/**
 * A committed revision (apply — even an identical one — or rollback) gives the deployment's
 * replicas a fresh restart budget; other deployments keep theirs.
 */
import assert from "node:assert/strict";
import { ReplicaState, RestartCounterUpdate_Action } from "../proto/mod.ts";
import { Feeder, type PartialPayload } from "./_kit_test.ts";

function apply(deployment: string, revision: number): PartialPayload {
  return {
    $case: "deploymentApply",
    value: { deployment, revision, services: [{ name: "app", replicas: 1 }] },
  };
}

/** A deployment with replica `<deployment>-app-0` exhausted and `<deployment>-app-1` counting. */
function seed(feeder: Feeder, deployment: string, revision = 1): void {
  if (revision > 0) feeder.apply(apply(deployment, revision));
  for (const index of [0, 1]) {
    const id = `${deployment}-app-${index}`;
    feeder.apply({
      $case: "replicaDesiredUpsert",
      value: { replica: { id, deployment, service: "app", index, host: "h1" } },
    });
    feeder.apply({
      $case: "restartCounterUpdate",
      value: { replicaId: id, action: RestartCounterUpdate_Action.ACTION_INCREMENT },
    });
  }
  feeder.apply({
    $case: "replicaObservedUpdate",
    value: {
      replica: {
        id: `${deployment}-app-0`,
        state: ReplicaState.REPLICA_STATE_FAILED,
        code: "restart_exhausted",
        host: "h1",
      },
    },
  });
  feeder.apply({
    $case: "replicaObservedUpdate",
    value: {
      replica: {
        id: `${deployment}-app-1`,
        state: ReplicaState.REPLICA_STATE_FAILED,
        code: "container_exited",
        host: "h1",
      },
    },
  });
}

Deno.test("deploymentApply clears restart counters and restart_exhausted of that deployment only", () => {
  const feeder = new Feeder();
  seed(feeder, "web");
  seed(feeder, "db");
  feeder.apply(apply("web", 2));
  const view = feeder.state.view();
  assert.deepEqual(view.restartCounters().map((c) => c.replicaId), ["db-app-0", "db-app-1"]);
  assert.equal(view.replicaObserved("web-app-0"), undefined, "exhaustion dropped");
  assert.equal(view.replicaObserved("web-app-1")?.code, "container_exited", "other codes kept");
  assert.equal(view.replicaObserved("db-app-0")?.code, "restart_exhausted");
  assert.ok(view.replicaDesired("web-app-0"), "desired records untouched");
});

Deno.test("deploymentRollback gives a fresh restart budget too", () => {
  const feeder = new Feeder();
  seed(feeder, "web");
  feeder.apply(apply("web", 2));
  seed(feeder, "web", 0);
  assert.equal(feeder.state.view().restartCounters().length, 2);
  feeder.apply({ $case: "deploymentRollback", value: { deployment: "web", revision: 1 } });
  const view = feeder.state.view();
  assert.deepEqual(view.restartCounters(), []);
  assert.equal(view.replicaObserved("web-app-0"), undefined);
});
