/**
 * One running `jacod` node: the composition root {@link JacoNode} (config → data dir → local
 * JSON API on the unix socket → raft over mutual TLS → replicated state → gRPC TLS listener),
 * `Cluster.Init` / `Cluster.Status`, the write path ({@link CommandSubmitter}: apply on the
 * leader or forward over `Internal.Submit`), `Tokens.*`, `Cluster.NodeList`, `Audit.Query`, the
 * data dir layout and the daemon's text logger.
 *
 * @example
 * ```ts
 * const node = await JacoNode.start({ config, addresses, interfaces, log: textLogger({ level: "info", write: console.error }) });
 * const { clusterId, operatorToken } = await node.init();
 * await node.stop();
 * ```
 *
 * @module
 */
export { JacoNode, type JacoNodeOptions } from "./node.ts";
export {
  type DataDirLayout,
  dataDirLayout,
  isClusterMember,
  type NodeTls,
  readNodeTls,
} from "./data_dir.ts";
export {
  bootstrapIdentity,
  type BootstrapMaterial,
  clusterInitCommand,
  createBootstrapMaterial,
  nodeCertificateIps,
} from "./init.ts";
export { clusterStatus, type StatusSources } from "./status.ts";
export { tokenAuthenticator } from "./authenticate.ts";
export { type DaemonLogger, type LogAttributes, textLogger } from "./log.ts";
export {
  type CommandSubmitter,
  createSubmitter,
  type ForwardSubmit,
  leaderGrpcAddress,
  submitOnLeader,
  type SubmitterDeps,
} from "./submit.ts";
export { forwardDeadlineMs, PeerSubmitClient } from "./forward.ts";
export { issueToken, listTokens, revokeToken, type TokenDeps, validateIdentity } from "./tokens.ts";
export { nodeList } from "./node_list.ts";
export { auditQueryHandler } from "./audit_handler.ts";
export { issueJoinToken, JOIN_TOKEN_TTL_MS, type SubmitPayload } from "./join_token.ts";
export { ADD_LEARNER_TIMEOUT_MS, nodeJoin, type NodeJoinDeps } from "./node_join.ts";
export { JOIN_TIMEOUT_MS, joinCluster, type JoinInputs, type JoinResult } from "./join.ts";
export { publishGrpcAddress, type SelfPublishOptions, systemIdentity } from "./self_publish.ts";
export { type BackupDeps, takeBackup } from "./backup.ts";
export { restoreDataDir, type RestoreOptions } from "./restore.ts";
export { completeRestore, type CompleteRestoreOptions } from "./restore_boot.ts";
