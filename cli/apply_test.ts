import assert from "node:assert/strict";
import {
  DeploymentStatus,
  DeployStatusResponse,
  GetReplicasResponse,
  ReplicaState,
  ServiceSpec_PlacementMode,
} from "../proto/mod.ts";
import { memoryIo } from "./_io.ts";
import { formatDiff, prepareApply } from "./apply.ts";
import { judgeProgress } from "./apply_progress.ts";

Deno.test("formatDiff() prints adds, updates, removes in order, or No changes", () => {
  assert.equal(formatDiff({ adds: [], updates: [], removes: [] }), "No changes\n");
  assert.equal(formatDiff(undefined), "No changes\n");
  assert.equal(
    formatDiff({ adds: ["service a"], updates: ["service b: replicas 1 → 2"], removes: ["tcp 9"] }),
    "+ service a\n~ service b: replicas 1 → 2\n- tcp 9\n",
  );
});

Deno.test("prepareApply() discovers compose, interpolates from the environment file, folds env_file", () => {
  const io = memoryIo({
    "/srv/shop/jaco.yaml": "deployment: shop\nenvironment: stack.env\n",
    "/srv/shop/stack.env": "TAG=1.2\n",
    "/srv/shop/docker-compose.yml":
      "services:\n  web:\n    image: nginx:${TAG}\n    env_file: web.env\n    environment:\n      X: ${MISSING}\n",
    "/srv/shop/web.env": "A=1\n",
  });
  const prepared = prepareApply(io, "/srv/shop/jaco.yaml", undefined);
  assert.match(prepared.composeText, /image: nginx:1\.2/);
  assert.doesNotMatch(prepared.composeText, /env_file/);
  assert.match(prepared.composeText, /A: "1"/);
  assert.equal(prepared.warnings.length, 1);
  assert.match(prepared.warnings[0], /MISSING/);
});

Deno.test("prepareApply() errors name the file: unreadable jaco.yaml, no compose found", () => {
  assert.throws(
    () => prepareApply(memoryIo({}), "/nope/jaco.yaml", undefined),
    /^Error: read \/nope\/jaco\.yaml: no such file or directory$/,
  );
  assert.throws(
    () => prepareApply(memoryIo({ "/a/jaco.yaml": "deployment: a\n" }), "/a/jaco.yaml", undefined),
    /no compose file found next to \/a\/jaco\.yaml; pass --compose explicitly/,
  );
  assert.throws(
    () => prepareApply(memoryIo({ "/a/jaco.yaml": "deployment: a\n" }), "/a/jaco.yaml", "/b/c.yml"),
    /read \/b\/c\.yml: no such file or directory/,
  );
});

const services = [
  { name: "web", replicas: 2, placement: ServiceSpec_PlacementMode.PLACEMENT_MODE_SPREAD },
  { name: "agent", replicas: 1, placement: ServiceSpec_PlacementMode.PLACEMENT_MODE_GLOBAL },
];

function snapshot(
  states: Array<[string, string, ReplicaState]>,
  deployment: Record<string, unknown> = {},
) {
  return {
    status: DeployStatusResponse.fromPartial({
      deployments: [{
        name: "shop",
        appliedRevision: 2,
        status: DeploymentStatus.DEPLOYMENT_STATUS_ACTIVE,
        services,
        ...deployment,
      }],
    }),
    replicas: GetReplicasResponse.fromPartial({
      replicas: states.map(([id, service, state]) => ({ id, service, state })),
    }),
  };
}

Deno.test("judgeProgress() converges only when every desired replica runs", () => {
  const { RUNNING, PENDING } = {
    RUNNING: ReplicaState.REPLICA_STATE_RUNNING,
    PENDING: ReplicaState.REPLICA_STATE_PENDING,
  };
  let s = snapshot([["w1", "web", RUNNING]]);
  assert.deepEqual(judgeProgress("shop", 2, s.status, s.replicas), {
    kind: "progressing",
    line: "1/2 replicas running (web 1/2, agent 0/?)",
  });
  s = snapshot([["w1", "web", RUNNING], ["w2", "web", PENDING], ["a1", "agent", RUNNING]]);
  assert.equal(judgeProgress("shop", 2, s.status, s.replicas).kind, "progressing");
  s = snapshot([["w1", "web", RUNNING], ["w2", "web", RUNNING], ["a1", "agent", RUNNING]]);
  assert.deepEqual(judgeProgress("shop", 2, s.status, s.replicas), {
    kind: "converged",
    line: "3/3 replicas running (web 2/2, agent 1/1)",
  });
});

Deno.test("judgeProgress() fails with the reason: pending, restart_exhausted, replaced, deleted; crashes are progress", () => {
  let s = snapshot([], {
    status: DeploymentStatus.DEPLOYMENT_STATUS_PENDING,
    statusDetails: { reason: "cannot_satisfy_host_placement" },
  });
  assert.deepEqual(judgeProgress("shop", 2, s.status, s.replicas), {
    kind: "failed",
    reason: "deployment is pending: cannot_satisfy_host_placement",
  });
  s = snapshot([["w1", "web", ReplicaState.REPLICA_STATE_FAILED]], {
    status: DeploymentStatus.DEPLOYMENT_STATUS_DEGRADED,
  });
  s.replicas.replicas[0].code = "container_exited";
  s.replicas.replicas[0].details = { exit_code: "2" };
  assert.deepEqual(judgeProgress("shop", 2, s.status, s.replicas), {
    kind: "progressing",
    line: "0/2 replicas running (web 0/2, agent 0/?); w1 failed: container_exited (exit 2)",
  });
  s.replicas.replicas[0].code = "restart_exhausted";
  s.replicas.replicas[0].message = "5 restarts in 10m";
  assert.deepEqual(judgeProgress("shop", 2, s.status, s.replicas), {
    kind: "failed",
    reason: "replica w1 failed: restart_exhausted: 5 restarts in 10m (exit 2)",
  });
  s = snapshot([], { appliedRevision: 3 });
  assert.equal(
    (judgeProgress("shop", 2, s.status, s.replicas) as { reason: string }).reason,
    "revision 2 was replaced by revision 3",
  );
  assert.deepEqual(
    judgeProgress("gone", 2, s.status, s.replicas),
    { kind: "failed", reason: 'deployment "gone" was deleted' },
  );
});
