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
