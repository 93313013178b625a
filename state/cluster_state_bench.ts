/**
 * Figures for the FSM hot paths: an observation heartbeat apply (the most frequent entry), a
 * scheduler pass worth of desired upserts in one batch, a snapshot and a view of a
 * 5 000-replica cluster. Run with `deno bench state/`.
 */
import { Command, ReplicaState } from "../proto/mod.ts";
import { ClusterState } from "./cluster_state.ts";

const replicas = 5_000;

function loaded(): { state: ClusterState; index: number } {
  const state = new ClusterState();
  let index = 0;
  const apply = (payload: Command["payload"]) =>
    state.apply(
      Command.encode(
        Command.fromPartial({ ts: new Date(index * 1000), identity: "bench", payload }),
      )
        .finish(),
      ++index,
    );
  for (let i = 0; i < replicas; i++) {
    const id = `web-app-${i}`;
    apply({
      $case: "replicaDesiredUpsert",
      value: {
        replica: {
          id,
          deployment: "web",
          service: "app",
          index: i,
          host: `h${i % 20}`,
          image: "nginx:1",
          raftIndex: 0,
          specHash: "x".repeat(64),
        },
      },
    });
  }
  return { state, index };
}

const base = loaded();
// Keep subscribers attached, as in the daemon (scheduler, runtime, ingress).
const subscriptions = ["replicas_observed", "replicas_desired"].map((store) =>
  base.state.subscribe(store as "replicas_observed")
);

Deno.bench("apply: replica observation heartbeat (5 000 replicas, 2 idle subscribers)", () => {
  const index = ++base.index;
  base.state.apply(
    Command.encode(Command.fromPartial({
      ts: new Date(index * 1000),
      payload: {
        $case: "replicaObservedUpdate",
        value: {
          replica: {
            id: `web-app-${index % replicas}`,
            state: ReplicaState.REPLICA_STATE_RUNNING,
            host: "h1",
            lastHealthAt: new Date(index * 1000),
          },
        },
      },
    })).finish(),
    index,
  );
});

Deno.bench("apply: batch of 100 desired upserts", () => {
  const index = ++base.index;
  const children = Array.from({ length: 100 }, (_, i) => ({
    payload: {
      $case: "replicaDesiredUpsert" as const,
      value: {
        replica: { id: `web-app-${(index + i) % replicas}`, deployment: "web", host: "h2" },
      },
    },
  }));
  base.state.apply(
    Command.encode(Command.fromPartial({ payload: { $case: "batch", value: { children } } }))
      .finish(),
    index,
  );
});

Deno.bench("snapshot(): 5 000 desired + observed replicas", () => {
  base.state.snapshot();
});

Deno.bench("view() + replicasDesired({ host }) after a write", () => {
  const index = ++base.index;
  base.state.apply(
    Command.encode(Command.fromPartial({
      payload: { $case: "replicaCounterIncrement", value: { deployment: "web", service: "app" } },
    })).finish(),
    index,
  );
  base.state.view().replicasDesired({ host: "h3" });
});

addEventListener("unload", () => subscriptions.forEach((subscription) => subscription.close()));
