import assert from "node:assert/strict";
import { Command, NodeStatus, ReplicaState } from "../../proto/mod.ts";
import type { Role } from "../../raft/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import type { DaemonLogger } from "../node/log.ts";
import { startSchedulerLoop } from "./scheduler_loop.ts";

/** A one-member "cluster": submit applies straight to the state. */
class Rig {
  state = new ClusterState();
  index = 0;
  role: Role = "leader";
  contact: Record<string, number> = { b: 0, c: 0 };
  submits: string[] = [];
  logs: string[] = [];

  apply(payload: Command["payload"], identity = "alice"): void {
    const bytes = Command.encode(
      Command.fromPartial({ clusterId: "c1", ts: new Date(), identity, payload }),
    ).finish();
    this.state.apply(bytes, ++this.index);
  }

  start(signal: AbortSignal) {
    const log = (level: string) => (message: string) => this.logs.push(`${level} ${message}`);
    const logger: DaemonLogger = {
      debug: log("debug"),
      info: log("info"),
      warn: log("warn"),
      error: log("error"),
    };
    return startSchedulerLoop({
      nodeName: "a",
      state: this.state,
      raft: { status: () => ({ role: this.role, lastContactMs: this.contact }) },
      submit: (payload, identity) => {
        this.submits.push(identity);
        this.apply(payload, identity);
        return Promise.resolve({ raftIndex: this.index });
      },
      log: logger,
      now: () => new Date(),
      signal,
    }, { livenessTickMs: 20, deadAfterMs: 500 });
  }

  hosts(): string[] {
    return this.state.view().replicasDesired().map((replica) => replica.host).sort();
  }
}

async function until(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function seed(rig: Rig): void {
  for (const hostname of ["a", "b", "c"]) {
    rig.apply({ $case: "nodeJoin", value: { hostname, address: `${hostname}:1` } as never });
    rig.apply({
      $case: "nodeStatusUpdate",
      value: { hostname, status: NodeStatus.NODE_STATUS_READY } as never,
    });
  }
  rig.apply({
    $case: "deploymentApply",
    value: {
      deployment: "shop",
      revision: 1,
      composeYaml: new TextEncoder().encode("services:\n  web:\n    image: img:1\n"),
      services: [{ name: "web", replicas: 3 }],
    } as never,
  });
}

Deno.test("scheduler loop: places on the leader only, as one scheduler batch per pass", async () => {
  const rig = new Rig();
  rig.role = "follower";
  const controller = new AbortController();
  const loop = rig.start(controller.signal);
  try {
    seed(rig);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(rig.hosts(), [], "a follower plans nothing");
    rig.role = "leader";
    rig.apply({
      $case: "deploymentStatusUpdate",
      value: { deployment: "shop", status: 2, details: {} } as never,
    });
    await until("three replicas placed", () => rig.hosts().length === 3);
    assert.deepEqual(rig.hosts(), ["a", "b", "c"]);
    assert.ok(rig.submits.every((identity) => identity === "scheduler"));
    assert.ok(rig.logs.includes("info applying reconcile batch"));
  } finally {
    controller.abort();
    await loop.stop();
  }
});

Deno.test("scheduler loop: a peer silent past deadAfterMs loses its stateless replicas", async () => {
  const rig = new Rig();
  const controller = new AbortController();
  const loop = rig.start(controller.signal);
  try {
    seed(rig);
    await until("three replicas placed", () => rig.hosts().length === 3);
    for (const replica of rig.state.view().replicasDesired()) {
      rig.apply({
        $case: "replicaObservedUpdate",
        value: {
          replica: {
            id: replica.id,
            state: ReplicaState.REPLICA_STATE_RUNNING,
            host: replica.host,
            lastHealthAt: new Date(),
          },
        } as never,
      });
    }
    rig.contact = { b: 0, c: 900 };
    await until("c's replica re-pointed", () => !rig.hosts().includes("c"));
    assert.equal(rig.hosts().length, 3);
  } finally {
    controller.abort();
    await loop.stop();
  }
});
