/**
 * The command table of `jaco`. Each entry loads its module on demand.
 *
 * @module
 */

import type { CommandEntry } from "./_command.ts";

/** Every `jaco` command, in help order. */
export const commands: CommandEntry[] = [
  {
    path: ["cluster", "init"],
    summary: "Bootstrap a new cluster on this node",
    load: async () => (await import("./cluster.ts")).clusterInitCommand,
  },
  {
    path: ["cluster", "status"],
    summary: "Show the local node's cluster status",
    load: async () => (await import("./cluster.ts")).clusterStatusCommand,
  },
  {
    path: ["node", "issue-join-token"],
    summary: "Mint a single-use token for a node to join",
    load: async () => (await import("./node_issue_join_token.ts")).nodeIssueJoinTokenCommand,
  },
  {
    path: ["node", "join"],
    summary: "Join this node to an existing cluster",
    load: async () => (await import("./node_join.ts")).nodeJoinCommand,
  },
  {
    path: ["node", "remove"],
    summary: "Drain and remove a node from the cluster",
    load: async () => (await import("./node_remove.ts")).nodeRemoveCommand,
  },
  {
    path: ["node", "list"],
    summary: "List the cluster's nodes",
    load: async () => (await import("./node_list.ts")).nodeListCommand,
  },
  {
    path: ["token", "issue"],
    summary: "Mint an operator token for an identity",
    load: async () => (await import("./token.ts")).tokenIssueCommand,
  },
  {
    path: ["token", "revoke"],
    summary: "Revoke an identity's operator token",
    load: async () => (await import("./token.ts")).tokenRevokeCommand,
  },
  {
    path: ["token", "list"],
    summary: "List operator tokens",
    load: async () => (await import("./token.ts")).tokenListCommand,
  },
  {
    path: ["apply"],
    summary: "Apply a jaco.yaml + compose pair (diff, then progress)",
    load: async () => (await import("./apply.ts")).applyCommand,
  },
  {
    path: ["status"],
    summary: "Show deployments, replicas, routes and certificates",
    load: async () => (await import("./status.ts")).statusCommand,
  },
  {
    path: ["get", "deployments"],
    summary: "List deployments",
    load: async () => (await import("./get.ts")).getDeploymentsCommand,
  },
  {
    path: ["get", "deployment"],
    summary: "Show one deployment and its manifests",
    load: async () => (await import("./get.ts")).getDeploymentCommand,
  },
  {
    path: ["get", "replicas"],
    summary: "List replicas",
    load: async () => (await import("./get.ts")).getReplicasCommand,
  },
  {
    path: ["get", "replica"],
    summary: "Show one replica in detail",
    load: async () => (await import("./get.ts")).getReplicaCommand,
  },
  {
    path: ["get", "routes"],
    summary: "List HTTP routes",
    load: async () => (await import("./get.ts")).getRoutesCommand,
  },
  {
    path: ["get", "route"],
    summary: "Show one domain's routes and readiness",
    load: async () => (await import("./get.ts")).getRouteCommand,
  },
  {
    path: ["logs"],
    summary: "Print a deployment's container logs",
    load: async () => (await import("./logs.ts")).logsCommand,
  },
  {
    path: ["rollback"],
    summary: "Return a deployment to an earlier revision",
    load: async () => (await import("./rollback.ts")).rollbackCommand,
  },
  {
    path: ["delete"],
    summary: "Delete a deployment",
    load: async () => (await import("./delete.ts")).deleteCommand,
  },
  {
    path: ["registry", "login"],
    summary: "Store a private registry login",
    load: async () => (await import("./registry.ts")).registryLoginCommand,
  },
  {
    path: ["registry", "logout"],
    summary: "Remove a private registry login",
    load: async () => (await import("./registry.ts")).registryLogoutCommand,
  },
  {
    path: ["registry", "list"],
    summary: "List private registry logins",
    load: async () => (await import("./registry.ts")).registryListCommand,
  },
  {
    path: ["audit"],
    summary: "Query or follow the cluster's audit log",
    load: async () => (await import("./audit.ts")).auditCommand,
  },
  {
    path: ["backup"],
    summary: "Write a backup of the cluster state to a file",
    load: async () => (await import("./backup.ts")).backupCommand,
  },
  {
    path: ["restore"],
    summary: "Seed this node's data dir from a backup (offline)",
    load: async () => (await import("./restore.ts")).restoreCommand,
  },
  {
    path: ["validate"],
    summary: "Validate a jaco.yaml and/or compose file locally",
    load: async () => (await import("./validate.ts")).validateCommand,
  },
  {
    path: ["version"],
    summary: "Print the version",
    load: async () => (await import("./version.ts")).versionCommand,
  },
];
