/**
 * Rendering of `jaco status` (cli.md `jaco status`): the Deployments / Replicas / Routes / Certs
 * tables and the json/yaml document, from one `Deploy.Status` response. Pure, so every format is
 * tested without a daemon.
 *
 * Decisions where the spec is silent: a `TCP routes:` table (`PORT DEPLOYMENT SERVICE
 * CONTAINER_PORT`) follows Routes when the scope publishes ports, and json/yaml gain
 * `tcp_routes` then (omitted when empty, like `certs`).
 *
 * @module
 */
import {
  type Deployment,
  deploymentStatusToJSON,
  type DeployStatusResponse,
  type ReplicaObserved,
  replicaStateToJSON,
} from "../proto/mod.ts";
import {
  enumCase,
  formatTimestamp,
  type OutputFormat,
  renderStructured,
  renderTable,
} from "./_output.ts";

/** A deployment status as printed (`ACTIVE` / `active`). */
export function deploymentStatusText(deployment: Deployment, format: OutputFormat): string {
  return enumCase(deploymentStatusToJSON(deployment.status), format, "DEPLOYMENT_STATUS_");
}

/** A replica state as printed (`RUNNING` / `running`). */
export function replicaStateText(state: ReplicaObserved["state"], format: OutputFormat): string {
  return enumCase(replicaStateToJSON(state), format, "REPLICA_STATE_");
}

/** DETAILS: `reason` if present, else sorted `k=v` pairs joined by a space. */
export function detailsText(details: Record<string, string>): string {
  if (details.reason) return details.reason;
  return Object.keys(details).sort().map((key) => `${key}=${details[key]}`).join(" ");
}

/** REASON: `code: message` (message falls back to details.reason), then ` (exit <n>)`. */
export function reasonText(replica: Pick<ReplicaObserved, "code" | "message" | "details">): string {
  const message = replica.message || replica.details.reason || "";
  let text = [replica.code, message].filter((part) => part !== "").join(": ");
  const exit = replica.details.exit_code;
  if (exit !== undefined && exit !== "") text = text ? `${text} (exit ${exit})` : `exit ${exit}`;
  return text;
}

/**
 * The whole `jaco status` output for `response` in `format`.
 *
 * @example
 * ```ts
 * await renderStatus(response, "table"); // "Deployments:\nDEPLOYMENT  REVISION …"
 * ```
 */
export async function renderStatus(
  response: DeployStatusResponse,
  format: OutputFormat,
): Promise<string> {
  if (format !== "table") return await renderStructured(statusDocument(response), format);
  const tables = [
    renderTable(
      "Deployments:",
      ["DEPLOYMENT", "REVISION", "PREVIOUS", "STATUS", "DETAILS"],
      response.deployments.map((d) => [
        d.name,
        String(d.appliedRevision),
        String(d.previousRevision),
        deploymentStatusText(d, format),
        detailsText(d.statusDetails),
      ]),
    ),
    renderTable(
      "Replicas:",
      ["REPLICA_ID", "STATE", "HOST", "CONTAINER_ID", "LAST_HEALTH_AT", "REASON"],
      response.replicas.map((r) => [
        r.id,
        replicaStateText(r.state, format),
        r.host,
        r.containerId.slice(0, 12),
        formatTimestamp(r.lastHealthAt),
        reasonText(r),
      ]),
    ),
    renderTable(
      "Routes:",
      ["DOMAIN", "PATH", "DEPLOYMENT", "SERVICE", "PORT", "TLS"],
      response.routes.map((r) => [
        r.domain,
        r.path,
        r.deployment,
        r.service,
        String(r.port),
        r.tlsAuto ? "auto" : "off",
      ]),
    ),
  ];
  if (response.tcpRoutes.length > 0) {
    tables.push(renderTable(
      "TCP routes:",
      ["PORT", "DEPLOYMENT", "SERVICE", "CONTAINER_PORT"],
      response.tcpRoutes.map((
        r,
      ) => [String(r.publishedPort), r.deployment, r.service, String(r.containerPort)]),
    ));
  }
  if (response.certs.length > 0) {
    tables.push(renderTable(
      "Certs:",
      ["DOMAIN", "ENVIRONMENT", "NOT_AFTER", "LAST_RENEWAL_AT"],
      response.certs.map((c) => [
        c.domain,
        c.environment || "unknown",
        formatTimestamp(c.notAfter),
        formatTimestamp(c.lastRenewalAt),
      ]),
    ));
  }
  return tables.join("\n");
}

/** The json/yaml document of `jaco status` (cli.md shape). */
export function statusDocument(response: DeployStatusResponse): Record<string, unknown> {
  const document: Record<string, unknown> = {
    deployments: response.deployments.map((d) => ({
      name: d.name,
      applied_revision: d.appliedRevision,
      previous_revision: d.previousRevision,
      status: deploymentStatusText(d, "json"),
      status_details: Object.keys(d.statusDetails).length > 0 ? d.statusDetails : undefined,
    })),
    replicas: response.replicas.map((r) => ({
      id: r.id,
      state: replicaStateText(r.state, "json"),
      host: r.host,
      container_id: r.containerId,
      last_health_at: formatTimestamp(r.lastHealthAt) || undefined,
      code: r.code || undefined,
      message: r.message || undefined,
      details: Object.keys(r.details).length > 0 ? r.details : undefined,
    })),
    routes: response.routes.map((r) => ({
      domain: r.domain,
      path: r.path,
      deployment: r.deployment,
      service: r.service,
      port: r.port,
      tls: r.tlsAuto ? "auto" : "off",
      strip_path: r.stripPath,
    })),
  };
  if (response.tcpRoutes.length > 0) {
    document.tcp_routes = response.tcpRoutes.map((r) => ({
      published_port: r.publishedPort,
      deployment: r.deployment,
      service: r.service,
      container_port: r.containerPort,
    }));
  }
  if (response.certs.length > 0) {
    document.certs = response.certs.map((c) => ({
      domain: c.domain,
      environment: c.environment || "unknown",
      not_after: formatTimestamp(c.notAfter) || undefined,
      last_renewal_at: formatTimestamp(c.lastRenewalAt) || undefined,
    }));
  }
  return stripUndefined(document) as Record<string, unknown>;
}

/** Drops `undefined` members so YAML output omits them like JSON does. */
export function stripUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripUndefined);
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined).map((
      [k, v],
    ) => [k, stripUndefined(v)]),
  );
}
