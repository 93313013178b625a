/**
 * Rendering of the `jaco get` forms (cli.md `jaco get`): deployments, one deployment, replicas,
 * one replica, routes, one domain's realized routes — tables and json/yaml. Pure.
 *
 * @module
 */
import {
  type Deployment,
  type GetRouteResponse,
  type ReplicaDetail,
  type Route,
  serviceSpec_PlacementModeToJSON,
} from "../proto/mod.ts";
import {
  enumCase,
  formatTimestamp,
  type OutputFormat,
  renderStructured,
  renderTable,
} from "./_output.ts";
import {
  deploymentStatusText,
  reasonText,
  replicaStateText,
  stripUndefined,
} from "./status_render.ts";

const decoder = new TextDecoder();

async function structured(value: unknown, format: OutputFormat): Promise<string> {
  return await renderStructured(stripUndefined(value), format as "json" | "yaml");
}

/** `get deployments`. */
export async function renderDeployments(
  deployments: readonly Deployment[],
  format: OutputFormat,
): Promise<string> {
  const sorted = [...deployments].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const services = (d: Deployment) => d.services.map((s) => s.name).sort();
  if (format !== "table") {
    return await structured(
      sorted.map((d) => ({
        name: d.name,
        applied_revision: d.appliedRevision,
        previous_revision: d.previousRevision,
        status: deploymentStatusText(d, format),
        services: services(d),
      })),
      format,
    );
  }
  return renderTable(
    "Deployments:",
    ["DEPLOYMENT", "REVISION", "PREVIOUS", "STATUS", "SERVICES"],
    sorted.map((d) => [
      d.name,
      String(d.appliedRevision),
      String(d.previousRevision),
      deploymentStatusText(d, format),
      services(d).join(","),
    ]),
  );
}

function placementText(value: number, format: OutputFormat): string {
  return enumCase(serviceSpec_PlacementModeToJSON(value as 0), format, "PLACEMENT_MODE_");
}

/** `get deployment <name>`. */
export async function renderDeployment(d: Deployment, format: OutputFormat): Promise<string> {
  if (format !== "table") {
    return await structured({
      name: d.name,
      applied_revision: d.appliedRevision,
      previous_revision: d.previousRevision,
      status: deploymentStatusText(d, format),
      acme_email: d.acmeEmail || undefined,
      services: d.services.map((s) => ({
        name: s.name,
        replicas: s.replicas,
        placement: placementText(s.placement, format),
        hosts: s.hosts.length > 0 ? s.hosts : undefined,
        networks: s.networks.length > 0 ? s.networks : undefined,
      })),
      jaco_yaml: d.jacoYaml.length > 0 ? decoder.decode(d.jacoYaml) : undefined,
      compose_yaml: d.composeYaml.length > 0 ? decoder.decode(d.composeYaml) : undefined,
    }, format);
  }
  const lines = [
    `Deployment:    ${d.name}`,
    `Revision:      ${d.appliedRevision} (previous ${d.previousRevision})`,
    `Status:        ${deploymentStatusText(d, format)}`,
  ];
  if (d.acmeEmail) lines.push(`ACME email:    ${d.acmeEmail}`);
  return lines.join("\n") + "\n\n" +
    renderTable(
      "Services:",
      ["SERVICE", "REPLICAS", "PLACEMENT", "HOSTS", "NETWORKS"],
      d.services.map((s) => [
        s.name,
        String(s.replicas),
        placementText(s.placement, format),
        s.hosts.join(","),
        s.networks.join(","),
      ]),
    ) +
    `\njaco.yaml:\n${withNewline(decoder.decode(d.jacoYaml))}` +
    `\ncompose.yaml:\n${withNewline(decoder.decode(d.composeYaml))}`;
}

function withNewline(text: string): string {
  return text.endsWith("\n") || text === "" ? text : text + "\n";
}

function replicaDocument(r: ReplicaDetail, format: OutputFormat) {
  return {
    id: r.id,
    deployment: r.deployment,
    service: r.service,
    index: r.index,
    state: replicaStateText(r.state, format),
    host: r.host,
    image: r.image,
    revision: r.revision,
    container_id: r.containerId || undefined,
    restart_count: r.restartCount,
    code: r.code || undefined,
    message: r.message || undefined,
    details: Object.keys(r.details).length > 0 ? r.details : undefined,
    started_at: formatTimestamp(r.startedAt) || undefined,
    last_health_at: formatTimestamp(r.lastHealthAt) || undefined,
    last_attempt_at: formatTimestamp(r.lastAttemptAt) || undefined,
    depends_on: r.dependsOn.length > 0
      ? r.dependsOn.map((dep) => ({
        service: dep.service,
        condition: dep.condition || undefined,
        state: replicaStateText(dep.state, format),
        satisfied: dep.satisfied,
      }))
      : undefined,
  };
}

/** `get replicas`. */
export async function renderReplicas(
  replicas: readonly ReplicaDetail[],
  format: OutputFormat,
): Promise<string> {
  if (format !== "table") {
    return await structured(replicas.map((r) => replicaDocument(r, format)), format);
  }
  return renderTable(
    "Replicas:",
    ["REPLICA_ID", "DEPLOYMENT", "SERVICE", "STATE", "HOST", "RESTARTS", "IMAGE"],
    replicas.map((r) => [
      r.id,
      r.deployment,
      r.service,
      replicaStateText(r.state, format),
      r.host,
      String(r.restartCount),
      r.image,
    ]),
  );
}

/** `get replica <id>`. */
export async function renderReplica(r: ReplicaDetail, format: OutputFormat): Promise<string> {
  if (format !== "table") return await structured(replicaDocument(r, format), format);
  const lines = [
    `Replica:       ${r.id}`,
    `Deployment:    ${r.deployment}`,
    `Service:       ${r.service} (index ${r.index})`,
    `State:         ${replicaStateText(r.state, format)}`,
    `Host:          ${r.host}`,
    `Image:         ${r.image}`,
    `Revision:      ${r.revision}`,
    `Container:     ${r.containerId}`,
    `Restarts:      ${r.restartCount}`,
  ];
  if (r.code || r.message) {
    lines.push(`Last reason:   ${[r.code, r.message].filter(Boolean).join(" ")}`);
  }
  const times: Array<[string, Date | undefined]> = [
    ["Started at:    ", r.startedAt],
    ["Last health:   ", r.lastHealthAt],
    ["Last attempt:  ", r.lastAttemptAt],
  ];
  for (const [label, at] of times) if (formatTimestamp(at)) lines.push(label + formatTimestamp(at));
  let text = lines.join("\n") + "\n";
  if (r.dependsOn.length > 0) {
    text += "\n" + renderTable(
      "Depends on:",
      ["SERVICE", "CONDITION", "STATE", "SATISFIED"],
      r.dependsOn.map((dep) => [
        dep.service,
        dep.condition,
        replicaStateText(dep.state, format),
        String(dep.satisfied),
      ]),
    );
  }
  return text;
}

/** `get routes`. */
export async function renderRoutes(
  routes: readonly Route[],
  format: OutputFormat,
): Promise<string> {
  const sorted = [...routes].sort((a, b) =>
    a.domain < b.domain
      ? -1
      : a.domain > b.domain
      ? 1
      : a.path < b.path
      ? -1
      : a.path > b.path
      ? 1
      : 0
  );
  if (format !== "table") {
    return await structured(
      sorted.map((r) => ({
        domain: r.domain,
        path: r.path,
        deployment: r.deployment,
        service: r.service,
        port: r.port,
        tls: r.tlsAuto ? "auto" : "off",
        strip_path: r.stripPath,
      })),
      format,
    );
  }
  return renderTable(
    "Routes:",
    ["DOMAIN", "PATH", "DEPLOYMENT", "SERVICE", "PORT", "TLS", "STRIP_PATH"],
    sorted.map((r) => [
      r.domain,
      r.path || "/",
      r.deployment,
      r.service,
      String(r.port),
      r.tlsAuto ? "auto" : "off",
      String(r.stripPath),
    ]),
  );
}

/** `get route <domain>`. */
export async function renderRoute(
  response: GetRouteResponse,
  format: OutputFormat,
): Promise<string> {
  if (format !== "table") {
    return await structured({
      domain: response.domain,
      routes: response.routes.map((r) => ({
        path: r.path,
        catch_all: r.catchAll,
        deployment: r.deployment,
        service: r.service,
        port: r.port,
        tls: r.tlsAuto ? "auto" : "off",
        strip_path: r.stripPath,
        ready_replicas: r.readyReplicas,
        total_replicas: r.totalReplicas,
      })),
    }, format);
  }
  const yes = (flag: boolean) => flag ? "yes" : "no";
  return renderTable(
    `Routes for ${response.domain}:`,
    ["PATH", "SERVICE", "PORT", "TLS", "STRIP", "FALLBACK", "READY"],
    response.routes.map((r) => [
      r.path || "/",
      r.service,
      String(r.port),
      r.tlsAuto ? "auto" : "off",
      yes(r.stripPath),
      yes(r.catchAll),
      `${r.readyReplicas}/${r.totalReplicas}`,
    ]),
  );
}

/** Reason text of a replica detail (shared with `apply` progress). */
export function replicaReason(r: ReplicaDetail): string {
  return reasonText(r);
}
