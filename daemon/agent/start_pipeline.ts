/**
 * The start pipeline of one local replica (scheduling.md §7.3): load the deployment, project the
 * container spec, pass the `depends_on` and isolation gates, reuse / start / recreate the
 * existing container by its `jaco.raft_index` label, pull per `pull_policy` with backoff,
 * create, start, and hand the container to the health watcher.
 *
 * Decisions where the spec is silent (or where we fix a reference gap):
 * - A container with the desired `raft_index` that is not running is started again only when
 *   the replica's observation is not `failed`: an exited container is restarted by the leader's
 *   `restart` command (so restart counting and `restart_exhausted` hold), not by the safety tick.
 *   After a host reboot the observation still says running, so the container is revived.
 * - A replica whose observation is `failed/restart_exhausted` is left alone until a new revision
 *   clears it (state does that on every apply).
 * - Step 4 (subnet + bridge per network, `context.networks`, daemon/network) runs after the
 *   `depends_on` gate and before the spec is built (the gateways are the containers' DNS
 *   servers), also for a replica whose container is reused (its bridge is re-asserted). Without
 *   `context.networks` (agent tests) each network is a plain per-host bridge of the runtime.
 *   `failed/subnet_pool_exhausted` is terminal: the replica is not retried (networking.md §2.2).
 * - `network_mode: service:<x>` joins the local replica of `<x>` with the same index, else any
 *   local replica of `<x>`; with none on this host the start is deferred like `depends_on`.
 * - Engine errors at create/start publish `failed/docker_error` (message = engine error).
 *
 * @module
 */
import { dependsOnOf, parseComposeProject } from "../../compose/mod.ts";
import type { ComposeProject } from "../../compose/mod.ts";
import { NodeStatus, type ReplicaDesired, ReplicaState } from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import {
  type ContainerEngine,
  containerNameOf,
  containerSpecOf,
  createReplicaContainer,
  ensureImage,
  JacoLabel,
  PullCancelledError,
  registryAuthFor,
} from "../../runtime/mod.ts";
import type { ClusterState, StateView } from "../../state/mod.ts";
import type { DaemonLogger } from "../node/log.ts";
import { unmetDependency } from "./depends_gate.ts";
import type { ObservationPublisher } from "./observation_publisher.ts";

/** What the pipeline needs from the agent. */
export interface PipelineContext {
  nodeName: string;
  state: ClusterState;
  engine: ContainerEngine;
  log: DaemonLogger;
  publisher: ObservationPublisher;
  /** Abortable wait (pull backoff). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Starts (idempotently) the health watcher of (replica, container). */
  watch(replicaId: string, containerId: string): void;
  /** Replicas deferred on `depends_on` / `network_mode` (woken by observation events). */
  deferred: Set<string>;
  /** Step 4: ensures subnets + bridges, returns the gateways (absent: plain runtime networks). */
  networks?: {
    prepare(input: { clusterId: string; deployment: string; networks: readonly string[] }): Promise<
      string[]
    >;
  };
}

/** How one pipeline run ended. */
export type StartOutcome = "started" | "reused" | "deferred" | "skipped" | "cancelled";

const composeCache = new Map<string, ComposeProject>();

function composeOf(name: string, revision: number, bytes: Uint8Array): ComposeProject {
  const key = `${name}@${revision}`;
  let project = composeCache.get(key);
  if (!project) {
    project = parseComposeProject(new TextDecoder().decode(bytes), { envFileResolved: true });
    for (const cached of composeCache.keys()) {
      if (cached.startsWith(`${name}@`)) composeCache.delete(cached);
    }
    composeCache.set(key, project);
  }
  return project;
}

function sharedNetnsContainer(
  view: StateView,
  nodeName: string,
  desired: ReplicaDesired,
  target: string,
): string | undefined {
  const local = view.replicasDesired({ deployment: desired.deployment, service: target })
    .filter((replica) => replica.host === nodeName);
  const chosen = local.find((replica) => replica.index === desired.index) ?? local[0];
  return chosen ? containerNameOf(chosen.id) : undefined;
}

function isFailed(view: StateView, replicaId: string, code?: string): boolean {
  const observed = view.replicaObserved(replicaId);
  return observed?.state === ReplicaState.REPLICA_STATE_FAILED &&
    (code === undefined || observed.code === code);
}

/**
 * Runs the pipeline once. Never throws: failures are logged (`start replica failed`) and left
 * to the next trigger, cancellation ends quietly.
 */
export async function startReplica(
  context: PipelineContext,
  desired: ReplicaDesired,
  signal: AbortSignal,
): Promise<StartOutcome> {
  try {
    return await runPipeline(context, desired, signal);
  } catch (error) {
    if (signal.aborted || error instanceof PullCancelledError) return "cancelled";
    context.log.error("start replica failed", {
      replica_id: desired.id,
      error: (error as Error).message,
    });
    return "skipped";
  }
}

async function runPipeline(
  context: PipelineContext,
  desired: ReplicaDesired,
  signal: AbortSignal,
): Promise<StartOutcome> {
  const { engine, log, publisher, nodeName } = context;
  const view = context.state.view();
  const clusterId = view.clusterMeta()?.clusterId;
  const deployment = view.deployment(desired.deployment);
  if (!clusterId || !deployment) return "skipped";
  const compose = composeOf(deployment.name, deployment.appliedRevision, deployment.composeYaml);
  const service = compose.services.get(desired.service);
  if (!service) {
    log.error("start replica failed", {
      replica_id: desired.id,
      error: `service "${desired.service}" not found in compose project`,
    });
    return "skipped";
  }
  const networkMode = typeof service.network_mode === "string" ? service.network_mode : "";
  const netnsContainer = networkMode.startsWith("service:")
    ? sharedNetnsContainer(view, nodeName, desired, networkMode.slice("service:".length))
    : undefined;
  if (networkMode.startsWith("service:") && !netnsContainer) {
    context.deferred.add(desired.id);
    log.info("depends_on unmet; deferring start", {
      replica_id: desired.id,
      waiting_on: networkMode.slice("service:".length),
      condition: "network_mode",
    });
    return "deferred";
  }
  const networks = deployment.services.find((entry) => entry.name === desired.service)?.networks ??
    [];
  const blocker = unmetDependency(view, deployment.name, dependsOnOf(service));
  if (blocker) {
    context.deferred.add(desired.id);
    log.info("depends_on unmet; deferring start", {
      replica_id: desired.id,
      waiting_on: blocker.service,
      condition: blocker.condition,
    });
    if (!view.replicaObserved(desired.id)) {
      await publisher.publish(desired.id, {
        state: ReplicaState.REPLICA_STATE_PENDING,
        code: "",
        message: `waiting on ${blocker.service} (${blocker.condition})`,
        details: {},
        containerId: "",
      });
    }
    return "deferred";
  }
  context.deferred.delete(desired.id);
  const bridged = context.networks !== undefined && networkMode === "";
  let dnsServers: string[] | undefined;
  if (bridged) {
    if (isFailed(view, desired.id, "subnet_pool_exhausted")) return "skipped";
    try {
      dnsServers = await context.networks!.prepare({
        clusterId,
        deployment: deployment.name,
        networks,
      });
    } catch (error) {
      if (!(error instanceof JacoError) || error.code !== "subnet_pool_exhausted") throw error;
      await publisher.publish(desired.id, {
        state: ReplicaState.REPLICA_STATE_FAILED,
        code: "subnet_pool_exhausted",
        message: error.message,
        details: Object.fromEntries(
          ["deployment", "network", "host"].map((key) => [key, String(error.details?.[key] ?? "")]),
        ),
        containerId: "",
      });
      return "skipped";
    }
  }
  const { spec, pullPolicy } = containerSpecOf({
    clusterId,
    deployment: deployment.name,
    compose,
    service: desired.service,
    host: nodeName,
    replicaId: desired.id,
    replicaIndex: desired.index,
    raftIndex: desired.raftIndex,
    specHash: desired.specHash,
    image: desired.image,
    networks,
    networkModeContainer: netnsContainer,
    dnsServers,
  });
  if (view.node(nodeName)?.status === NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE) {
    log.error("start replica failed", { replica_id: desired.id, error: "isolation_unavailable" });
    return "skipped";
  }

  const existing = await engine.listContainers({
    [JacoLabel.clusterId]: clusterId,
    [JacoLabel.replicaId]: desired.id,
    [JacoLabel.host]: nodeName,
  });
  const current = existing.filter((c) =>
    c.Labels[JacoLabel.raftIndex] === String(desired.raftIndex)
  );
  for (const stale of existing.filter((c) => !current.includes(c))) {
    await engine.stopContainer(stale.Id);
    await engine.removeContainer(stale.Id);
  }
  if (isFailed(view, desired.id, "restart_exhausted") && existing.length === current.length) {
    return "skipped";
  }
  if (current.length > 0) {
    const [keep, ...extra] = current;
    for (const duplicate of extra) await engine.removeContainer(duplicate.Id);
    if (keep.State === "running" || isFailed(view, desired.id)) {
      context.watch(desired.id, keep.Id);
      return "reused";
    }
    try {
      await engine.startContainer(keep.Id);
      context.watch(desired.id, keep.Id);
      return "reused";
    } catch (error) {
      log.warn("restart of existing container failed; recreating", {
        replica_id: desired.id,
        error: (error as Error).message,
      });
      await engine.removeContainer(keep.Id);
    }
  }

  await publisher.publish(desired.id, {
    state: ReplicaState.REPLICA_STATE_PENDING,
    code: "",
    message: "",
    details: {},
    containerId: "",
  });
  await ensureImage({
    engine,
    image: spec.Image,
    pullPolicy,
    auth: () => registryAuthFor(spec.Image, context.state.view().registryCredentials()),
    onAttempt: async (attempt) => {
      if (attempt !== 1) return;
      await publisher.publish(desired.id, {
        state: ReplicaState.REPLICA_STATE_PULLING,
        code: "pulling",
        message: `pulling ${spec.Image}`,
        details: {},
        containerId: "",
      });
    },
    onFailure: async (attempt, error, backoffMs) => {
      log.warn("image pull failed; will retry", {
        replica_id: desired.id,
        image: spec.Image,
        attempt,
        backoff_ms: backoffMs,
        error: error.message,
      });
      await publisher.publish(desired.id, {
        state: ReplicaState.REPLICA_STATE_PENDING,
        code: "image_pull_failed",
        message: "image pull failed; will retry",
        details: { reason: `${spec.Image}: ${error.message}` },
        containerId: "",
      }).catch(() => {
        // Not written now; the next failed attempt offers it again.
      });
    },
    sleep: context.sleep,
    signal,
  });
  if (signal.aborted) return "cancelled";

  let containerId = "";
  try {
    containerId = await createReplicaContainer(engine, spec, { networksReady: bridged });
    if (signal.aborted) {
      await engine.removeContainer(containerId);
      return "cancelled";
    }
    await engine.startContainer(containerId);
  } catch (error) {
    // A created-but-unstartable container would shadow the next attempt: remove it.
    if (containerId !== "") await engine.removeContainer(containerId).catch(() => undefined);
    if (signal.aborted) return "cancelled";
    await publisher.publish(desired.id, {
      state: ReplicaState.REPLICA_STATE_FAILED,
      code: "docker_error",
      message: (error as Error).message,
      details: {},
      containerId: "",
    });
    throw error;
  }
  log.info("replica container started", {
    replica_id: desired.id,
    container_id: containerId,
    image: spec.Image,
  });
  context.watch(desired.id, containerId);
  return "started";
}
