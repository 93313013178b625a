/**
 * Handlers of cluster membership, tokens, registry credentials and audit appends.
 *
 * @module
 */
import { AuditEventType, type Node, NodeStatus } from "../proto/mod.ts";
import { canonicalAuditEvent, canonicalNode, sortedRecord } from "./_canonical.ts";
import type { Handlers } from "./_handlers.ts";
import type { EntityStore } from "./_entity_store.ts";
import { hexOf } from "./keys.ts";
import { lowestFreeMeshIp } from "./_mesh_ip.ts";
import { canonicalRegistryKey } from "./registry_key.ts";

const bootstrapIdentity = "bootstrap";

/** Membership, token, credential and audit handlers. */
export const clusterHandlers: Handlers<
  | "clusterInit"
  | "nodeJoin"
  | "nodeRemove"
  | "nodeStatusUpdate"
  | "nodeUpdateSelf"
  | "tokenIssue"
  | "tokenRevoke"
  | "joinTokenIssue"
  | "joinTokenConsume"
  | "auditAppend"
  | "registryCredentialUpsert"
  | "registryCredentialRemove"
> = {
  clusterInit(context, init) {
    const { stores, raftIndex, ts } = context;
    stores.setClusterMeta({
      clusterId: init.clusterId,
      caCert: init.caCert,
      caKey: init.caKey,
      createdAt: ts,
    }, raftIndex);
    if (init.operatorTokenHashedSecret.length > 0) {
      stores.tokens.put({
        identity: bootstrapIdentity,
        hashedSecret: init.operatorTokenHashedSecret,
        issuedAt: ts,
        revokedAt: undefined,
        allowsPrivileged: false,
      }, raftIndex);
    }
    if (init.selfHostname !== "") {
      stores.nodes.put(
        nodeRecord({ hostname: init.selfHostname, address: init.selfAddress }, ts, {
          status: NodeStatus.NODE_STATUS_READY,
        }),
        raftIndex,
      );
    }
    context.audit(AuditEventType.AUDIT_EVENT_TYPE_NODE_JOIN, { cluster_id: init.clusterId });
  },

  nodeJoin(context, join) {
    if (join.hostname === "") return { ignored: "empty_hostname" };
    const record = nodeRecord(join, context.ts, { status: NodeStatus.NODE_STATUS_JOINING });
    context.stores.nodes.put(
      withMeshIp(context.stores.nodes, {
        ...record,
        meshIp: context.stores.nodes.get(join.hostname)?.meshIp ?? "",
      }),
      context.raftIndex,
    );
    context.audit(AuditEventType.AUDIT_EVENT_TYPE_NODE_JOIN, { hostname: join.hostname });
  },

  nodeRemove(context, { hostname }) {
    const { stores, raftIndex } = context;
    stores.subnets.deleteWhere((subnet) => subnet.host === hostname, raftIndex);
    if (!stores.nodes.delete(hostname, raftIndex)) return { ignored: "unknown_node" };
    context.audit(AuditEventType.AUDIT_EVENT_TYPE_NODE_REMOVE, { hostname });
  },

  nodeStatusUpdate(context, update) {
    const node = context.stores.nodes.get(update.hostname);
    if (!node) return { ignored: "unknown_node" };
    const setStatus = update.status !== NodeStatus.NODE_STATUS_UNSPECIFIED;
    if (!setStatus && !update.includePressure) return { ignored: "nothing_to_update" };
    const next = { ...node };
    if (setStatus) {
      next.status = update.status;
      next.statusDetails = sortedRecord(update.details);
    }
    if (update.includePressure) {
      next.cpuPressure = update.cpuPressure;
      next.memoryPressure = update.memoryPressure;
      next.lastPressureAt = context.ts;
    }
    context.stores.nodes.put(next, context.raftIndex);
    if (update.status === NodeStatus.NODE_STATUS_ISOLATION_UNAVAILABLE) {
      context.audit(AuditEventType.AUDIT_EVENT_TYPE_ISOLATION_UNAVAILABLE, {
        hostname: update.hostname,
      });
    }
  },

  nodeUpdateSelf(context, update) {
    const node = context.stores.nodes.get(update.hostname);
    if (!node) return { ignored: "unknown_node" };
    if (update.wireguardPubkey.length === 0 && update.grpcAddress === "") {
      return { ignored: "nothing_to_update" };
    }
    context.stores.nodes.put(
      withMeshIp(context.stores.nodes, {
        ...node,
        wireguardPubkey: update.wireguardPubkey.length > 0
          ? update.wireguardPubkey
          : node.wireguardPubkey,
        grpcAddress: update.grpcAddress || node.grpcAddress,
      }),
      context.raftIndex,
    );
  },

  tokenIssue(context, issue) {
    if (issue.identity === "") return { ignored: "empty_identity" };
    context.stores.tokens.put({
      identity: issue.identity,
      hashedSecret: issue.hashedSecret,
      issuedAt: context.ts,
      revokedAt: undefined,
      allowsPrivileged: issue.allowsPrivileged,
    }, context.raftIndex);
    context.audit(AuditEventType.AUDIT_EVENT_TYPE_TOKEN_ISSUE, {
      identity: issue.identity,
      allows_privileged: String(issue.allowsPrivileged),
    });
  },

  tokenRevoke(context, { identity }) {
    const token = context.stores.tokens.get(identity);
    if (!token) return { ignored: "unknown_token" };
    context.stores.tokens.put({ ...token, revokedAt: context.ts }, context.raftIndex);
    context.audit(AuditEventType.AUDIT_EVENT_TYPE_TOKEN_REVOKE, { identity });
  },

  joinTokenIssue(context, issue) {
    if (issue.hashedSecret.length === 0) return { ignored: "empty_hashed_secret" };
    context.stores.joinTokens.put({
      hashedSecret: issue.hashedSecret,
      issuedAt: context.ts,
      expiresAt: issue.expiresAt,
      consumedAt: undefined,
    }, context.raftIndex);
  },

  joinTokenConsume(context, { hashedSecret }) {
    const token = context.stores.joinTokens.get(hexOf(hashedSecret));
    if (!token) return { ignored: "unknown_join_token" };
    // Single use: the first consumption time is the one that counts.
    if (token.consumedAt) return { ignored: "join_token_consumed" };
    context.stores.joinTokens.put({ ...token, consumedAt: context.ts }, context.raftIndex);
  },

  auditAppend(context, { event }) {
    if (!event) return { ignored: "empty_event" };
    if (event.type === AuditEventType.AUDIT_EVENT_TYPE_UNSPECIFIED) {
      return { ignored: "unspecified_audit_type" };
    }
    // Gap fix: subsystem writers often leave identity/ts empty; stamp them from the command.
    context.stores.audit.append(
      canonicalAuditEvent({
        ...event,
        raftIndex: context.raftIndex,
        identity: event.identity || context.identity,
        ts: event.ts ?? context.ts,
      }),
      context.raftIndex,
    );
  },

  registryCredentialUpsert(context, { credential }) {
    const registry = canonicalRegistryKey(credential?.registry ?? "");
    if (!credential || registry === "") return { ignored: "empty_registry" };
    context.stores.registryCredentials.put({
      registry,
      username: credential.username,
      secret: credential.secret,
      updatedAt: credential.updatedAt ?? context.ts,
    }, context.raftIndex);
    context.audit(AuditEventType.AUDIT_EVENT_TYPE_REGISTRY_CREDENTIAL_UPSERT, {
      registry,
      username: credential.username,
    });
  },

  registryCredentialRemove(context, request) {
    const registry = canonicalRegistryKey(request.registry);
    if (registry === "") return { ignored: "empty_registry" };
    context.stores.registryCredentials.delete(registry, context.raftIndex);
    context.audit(AuditEventType.AUDIT_EVENT_TYPE_REGISTRY_CREDENTIAL_REMOVE, { registry });
  },
};

/** A fresh Node record as join/init create it (replacing any previous record of the host). */
function nodeRecord(
  fields: {
    hostname: string;
    address: string;
    serverCertFingerprint?: string;
    wireguardPubkey?: Uint8Array;
    grpcAddress?: string;
  },
  ts: Date | undefined,
  { status }: { status: NodeStatus },
) {
  return canonicalNode({
    hostname: fields.hostname,
    address: fields.address,
    serverCertFingerprint: fields.serverCertFingerprint ?? "",
    wireguardPubkey: fields.wireguardPubkey ?? new Uint8Array(0),
    status,
    statusDetails: {},
    joinedAt: ts,
    grpcAddress: fields.grpcAddress ?? "",
    cpuPressure: 0,
    memoryPressure: 0,
    lastPressureAt: undefined,
    meshIp: "",
  });
}

/**
 * `node` with a mesh address when it has a 32-byte WireGuard key and none yet: the lowest slot
 * no other node holds (`_mesh_ip.ts`).
 */
function withMeshIp(nodes: EntityStore<Node>, node: Node): Node {
  if (node.meshIp !== "" || node.wireguardPubkey.length !== 32) return node;
  const taken = [...nodes.read().values()]
    .filter((other) => other.hostname !== node.hostname)
    .map((other) => other.meshIp);
  return { ...node, meshIp: lowestFreeMeshIp(taken) };
}
