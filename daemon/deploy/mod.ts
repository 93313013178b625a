/**
 * Deployments on the daemon (rpc.md §1.2, manifests.md §4): `Deploy.Apply` (re-validation,
 * cluster facts, privileged admission, diff, one commit), `Rollback`, `Delete`, the `Status` /
 * `GetReplicas` / `GetRoute` read-outs, and `Logs` fanned out over `Internal.Logs`.
 *
 * @module
 */
export { type DeployHandlerDeps, deployHandlers } from "./handlers.ts";
export { applyDeployment, clusterFacts } from "./apply.ts";
export type { Caller, DeployDeps, Submit } from "./deps.ts";
export { isEmptyDiff, revisionDiff } from "./diff.ts";
export {
  type ContainerLogOptions,
  type ContainerLogReader,
  deployLogs,
  internalLogs,
  type LogsDeps,
  mergeByArrival,
  type PeerLogs,
  type RuntimeLogLine,
} from "./logs.ts";
export { PeerLogsClient } from "./peer_logs.ts";
export { runtimeLogReader } from "./runtime_logs.ts";
export { getReplicas, getRoute, readyHealthAgeMs } from "./read_outs.ts";
export { deleteDeployment, rollbackDeployment } from "./rollback_delete.ts";
export { deployStatus } from "./status.ts";
export {
  type PreparedRevision,
  prepareRevision,
  type RevisionContent,
} from "./revision_content.ts";
