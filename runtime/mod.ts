/**
 * The container runtime (scheduling.md §7–§8, manifests.md §2): the pure projection of a
 * compose service replica onto Docker create options, the {@link ContainerEngine} interface with
 * its Docker implementation (dockerode over the engine's unix socket), image pulls with
 * `pull_policy` and exponential backoff, registry credentials by longest prefix, health
 * classification and the transition-only health watcher, and container logs as lines.
 * No knowledge of raft or the daemon: daemon/agent drives it.
 *
 * @example
 * ```ts
 * import { dockerEngine, replicaLogs, containerNameOf } from "../runtime/mod.ts";
 *
 * const engine = dockerEngine({ socketPath: "/run/docker.sock" });
 * for await (const line of replicaLogs(engine, containerNameOf("shop-web-0"), { tail: 50 })) {
 *   console.log(line.ts?.toISOString(), line.stream, line.line);
 * }
 * ```
 *
 * @module
 */

export {
  type ContainerEngine,
  type ContainerSpec,
  type EngineContainer,
  type EngineContainerState,
  type EngineContainerSummary,
  type EngineDeviceRequest,
  type EngineHealthcheck,
  type EngineHostConfig,
  type EngineLogOptions,
  type EngineMount,
  type EngineNetworkAttachment,
  type RegistryAuth,
} from "./engine.ts";
export { containerNameOf, JacoLabel, networkNameOf } from "./names.ts";
export {
  type ContainerSpecInput,
  containerSpecOf,
  healthcheckOf,
  type PullPolicy,
  type ReplicaContainerPlan,
} from "./container_spec.ts";
export { createReplicaContainer } from "./provision.ts";
export { defaultDockerSocket, dockerEngine, type DockerEngineOptions } from "./docker_engine.ts";
export { canonicalImageRepository, registryAuthFor } from "./registry_auth.ts";
export {
  abortableSleep,
  ensureImage,
  type EnsureImageOptions,
  maxPullBackoffMs,
  pullBackoffMs,
  PullCancelledError,
} from "./image_pull.ts";
export {
  type Classification,
  classifyContainer,
  type HealthReport,
  isTransition,
  runningPollsWithoutHealthcheck,
} from "./health.ts";
export { HealthWatcher, type HealthWatcherOptions } from "./health_watcher.ts";
export { demultiplexLogs, type LogLine, type ReplicaLogOptions, replicaLogs } from "./logs.ts";
