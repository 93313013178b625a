/**
 * Advisory notes about valid manifests: fields JACO accepts but does not act
 * on, and choices that commonly surprise at run time. The reference ignores
 * these silently (manifests.md "Known gaps"); `jaco validate` prints them
 * instead. Warnings never fail validation.
 *
 * @module
 */

import { isMapping } from "./_types.ts";
import type { ComposeProject, ComposeService } from "./compose_project.ts";
import type { JacoManifest } from "./jaco_manifest.ts";
import { parseVolumeEntry } from "./volumes.ts";

const ignoredDeployKeys: Readonly<Record<string, string>> = {
  mode: "use placement: global in jaco.yaml for one replica per node",
  placement: "use placement/hosts in jaco.yaml",
  restart_policy: "the scheduler owns restarts",
  update_config: "rollouts replace one replica at a time",
  rollback_config: "use jaco rollback",
  endpoint_mode: "routing is done by JACO's ingress",
  labels: "set service labels instead",
};

const legacyResourceKeys = [
  "cpus",
  "mem_limit",
  "mem_reservation",
  "pids_limit",
  "cpu_shares",
  "cpuset",
];

const ignoredNetworkKeys = [
  "name",
  "driver",
  "driver_opts",
  "ipam",
  "internal",
  "enable_ipv4",
  "enable_ipv6",
  "attachable",
  "labels",
];

/** Warnings for one compose service, in a stable order. */
function serviceWarnings(name: string, service: ComposeService): string[] {
  const notes: string[] = [];
  const s = `service "${name}"`;
  if (typeof service.image !== "string" || service.image === "") {
    notes.push(`${s} has no image; its replicas stay pending until one is set (JACO never builds)`);
  }
  if (Object.hasOwn(service, "build")) {
    notes.push(`${s}: build is ignored; JACO never builds images`);
  }
  if (Object.hasOwn(service, "restart")) {
    notes.push(`${s}: restart is ignored; the scheduler owns restarts`);
  }
  if (Object.hasOwn(service, "name")) {
    notes.push(`${s}: name is ignored; containers are named jaco_<replica-id>`);
  }
  const deploy = isMapping(service.deploy) ? service.deploy : {};
  for (const key of Object.keys(ignoredDeployKeys)) {
    if (Object.hasOwn(deploy, key)) {
      notes.push(`${s}: deploy.${key} is ignored; ${ignoredDeployKeys[key]}`);
    }
  }
  const resources = isMapping(deploy.resources) ? deploy.resources : {};
  if (isMapping(resources.limits) || isMapping(resources.reservations)) {
    for (const key of legacyResourceKeys) {
      if (Object.hasOwn(service, key)) {
        notes.push(`${s}: ${key} is ignored because deploy.resources is set`);
      }
    }
  }
  if (Object.hasOwn(service, "gpus")) {
    notes.push(`${s} requests GPUs; replicas fail at create on nodes without a GPU runtime`);
  }
  for (const entry of Array.isArray(service.volumes) ? service.volumes : []) {
    const mount = parseVolumeEntry(entry);
    if (mount.type !== "bind") continue;
    notes.push(
      `${s}: bind mount ${mount.source} is node-local; it must exist on every node the service may run on`,
    );
  }
  return notes;
}

/**
 * Advisory notes for a validated jaco.yaml and/or compose project, in a
 * stable order (jaco overrides, then services by name, then top-level
 * networks and volumes).
 *
 * @example
 * ```ts
 * manifestWarnings(undefined, parseComposeProject("services: {web: {image: x, restart: always}}"));
 * // ['service "web": restart is ignored; the scheduler owns restarts']
 * ```
 */
export function manifestWarnings(jaco?: JacoManifest, compose?: ComposeProject): string[] {
  const notes: string[] = [];
  for (const entry of jaco?.services ?? []) {
    if (entry.placement !== "hosts" && entry.hosts.length > 0) {
      notes.push(`service "${entry.name}": hosts is ignored unless placement is hosts`);
    }
  }
  if (!compose) return notes;
  for (const name of compose.serviceNames) {
    notes.push(...serviceWarnings(name, compose.services.get(name)!));
  }
  for (const [name, network] of [...compose.networks].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const keys = ignoredNetworkKeys.filter((key) => Object.hasOwn(network, key));
    if (keys.length > 0) {
      notes.push(
        `network "${name}": ${
          keys.join(", ")
        } ignored; JACO manages jaco_<deployment>_${name} itself`,
      );
    }
  }
  for (const [name, volume] of [...compose.volumes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (Object.hasOwn(volume, "driver") || Object.hasOwn(volume, "driver_opts")) {
      notes.push(
        `volume "${name}": driver settings are dropped; volumes are plain local volumes on each node`,
      );
    }
  }
  return notes;
}
