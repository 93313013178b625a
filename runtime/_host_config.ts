/**
 * The `HostConfig` part of the compose → Docker projection (manifests.md §2.2): passthrough
 * knobs, logging, devices, GPUs and resource limits. Values arrive validated by compose/, so this
 * only converts shapes; an unexpected shape is left out rather than guessed.
 *
 * Decisions where the spec is silent:
 * - Legacy resource keys (`cpus`, `mem_limit`, `mem_reservation`, `pids_limit`, `cpu_shares`,
 *   `cpuset`) are all ignored as soon as `deploy.resources` sets `limits` or `reservations`
 *   (manifests.md: "used only when deploy.resources has no limits/reservations").
 * - `deploy.resources.reservations.cpus` has no Docker equivalent outside Swarm and is dropped;
 *   `reservations.devices` (compose's GPU spelling) becomes device requests like `gpus:`.
 * - `cgroup: host|private` maps to `CgroupnsMode`.
 *
 * @module
 */
import { parseByteSize } from "../compose/mod.ts";
import type { EngineDeviceRequest, EngineHostConfig } from "./engine.ts";

type Service = Record<string, unknown>;

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string field, `undefined` when absent or not a string. */
export function stringOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A string or list of strings as a list (numbers stringified). */
export function stringListOf(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) return undefined;
  return value.filter((item) => item !== null && item !== undefined).map(String);
}

/** A `k: v` map or `k=v` list as a string record (null map values become ""). */
export function keyValuesOf(value: unknown): Record<string, string> | undefined {
  if (isMap(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, v == null ? "" : String(v)]),
    );
  }
  if (!Array.isArray(value)) return undefined;
  const result: Record<string, string> = {};
  for (const item of value.map(String)) {
    const eq = item.indexOf("=");
    if (eq < 0) result[item] = "";
    else result[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return result;
}

function tmpfsOf(value: unknown): Record<string, string> | undefined {
  const entries = stringListOf(value);
  if (!entries) return undefined;
  const result: Record<string, string> = {};
  for (const entry of entries) {
    const colon = entry.indexOf(":");
    if (colon < 0) result[entry] = "";
    else result[entry.slice(0, colon)] = entry.slice(colon + 1);
  }
  return result;
}

function ulimitsOf(value: unknown): EngineHostConfig["Ulimits"] {
  if (!isMap(value)) return undefined;
  return Object.entries(value).map(([name, limit]) => {
    if (isMap(limit)) return { Name: name, Soft: Number(limit.soft), Hard: Number(limit.hard) };
    return { Name: name, Soft: Number(limit), Hard: Number(limit) };
  });
}

function extraHostsOf(value: unknown): string[] | undefined {
  if (isMap(value)) return Object.entries(value).map(([host, ip]) => `${host}:${String(ip)}`);
  const entries = stringListOf(value);
  // Compose accepts `host=ip` too; the engine wants `host:ip`.
  return entries?.map((entry) => entry.includes("=") ? entry.replace("=", ":") : entry);
}

function devicesOf(value: unknown): EngineHostConfig["Devices"] {
  if (!Array.isArray(value)) return undefined;
  return value.map((entry) => {
    if (isMap(entry)) {
      const source = String(entry.source ?? "");
      return {
        PathOnHost: source,
        PathInContainer: String(entry.target ?? source),
        CgroupPermissions: String(entry.permissions ?? "rwm"),
      };
    }
    const [host, container = host, permissions = "rwm"] = String(entry).split(":");
    return { PathOnHost: host, PathInContainer: container, CgroupPermissions: permissions };
  });
}

/** One GPU / device request from a `gpus:` or `reservations.devices` entry. */
function deviceRequestOf(entry: Record<string, unknown>): EngineDeviceRequest {
  const count = entry.count === "all" ? -1 : entry.count === undefined ? 0 : Number(entry.count);
  const deviceIds = stringListOf(entry.device_ids) ?? [];
  const capabilities = stringListOf(entry.capabilities) ?? ["gpu"];
  return {
    Driver: stringOf(entry.driver) ?? "",
    // Neither count nor ids: compose means "all".
    Count: count === 0 && deviceIds.length === 0 ? -1 : count,
    DeviceIDs: deviceIds,
    Capabilities: [capabilities],
    Options: keyValuesOf(entry.options) ?? {},
  };
}

function gpusOf(value: unknown): EngineDeviceRequest[] | undefined {
  if (value === "all") return [deviceRequestOf({ count: "all" })];
  if (!Array.isArray(value)) return undefined;
  return value.filter(isMap).map(deviceRequestOf);
}

function nanoCpusOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const cpus = Number(value);
  return Number.isFinite(cpus) ? Math.round(cpus * 1e9) : undefined;
}

function bytesOf(value: unknown): number | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  return parseByteSize(value);
}

function resourcesOf(service: Service): EngineHostConfig {
  const resources = isMap(service.deploy) && isMap(service.deploy.resources)
    ? service.deploy.resources
    : {};
  const limits = isMap(resources.limits) ? resources.limits : undefined;
  const reservations = isMap(resources.reservations) ? resources.reservations : undefined;
  if (limits || reservations) {
    const devices = Array.isArray(reservations?.devices)
      ? reservations.devices.filter(isMap).map(deviceRequestOf)
      : undefined;
    return {
      NanoCpus: nanoCpusOf(limits?.cpus),
      Memory: bytesOf(limits?.memory),
      PidsLimit: limits?.pids === undefined ? undefined : Number(limits.pids),
      MemoryReservation: bytesOf(reservations?.memory),
      DeviceRequests: devices,
    };
  }
  return {
    NanoCpus: nanoCpusOf(service.cpus),
    Memory: bytesOf(service.mem_limit),
    MemoryReservation: bytesOf(service.mem_reservation),
    PidsLimit: service.pids_limit === undefined ? undefined : Number(service.pids_limit),
    CpuShares: service.cpu_shares === undefined ? undefined : Number(service.cpu_shares),
    CpusetCpus: stringOf(service.cpuset) ??
      (typeof service.cpuset === "number" ? String(service.cpuset) : undefined),
  };
}

/**
 * The host config of a compose service, without network mode and mounts (the caller owns
 * those). Absent compose fields stay absent (engine defaults).
 */
export function hostConfigOf(service: Service): EngineHostConfig {
  const logging = isMap(service.logging) ? service.logging : undefined;
  const resources = resourcesOf(service);
  const gpus = gpusOf(service.gpus);
  const config: EngineHostConfig = {
    Tmpfs: tmpfsOf(service.tmpfs),
    CapAdd: stringListOf(service.cap_add),
    CapDrop: stringListOf(service.cap_drop),
    Sysctls: keyValuesOf(service.sysctls),
    Ulimits: ulimitsOf(service.ulimits),
    ReadonlyRootfs: typeof service.read_only === "boolean" ? service.read_only : undefined,
    LogConfig: logging
      ? { Type: stringOf(logging.driver) ?? "", Config: keyValuesOf(logging.options) ?? {} }
      : undefined,
    ExtraHosts: extraHostsOf(service.extra_hosts),
    DnsSearch: stringListOf(service.dns_search),
    DnsOptions: stringListOf(service.dns_opt),
    Init: typeof service.init === "boolean" ? service.init : undefined,
    ShmSize: bytesOf(service.shm_size),
    IpcMode: stringOf(service.ipc),
    PidMode: stringOf(service.pid),
    UTSMode: stringOf(service.uts),
    UsernsMode: stringOf(service.userns_mode),
    CgroupnsMode: stringOf(service.cgroup),
    CgroupParent: stringOf(service.cgroup_parent),
    Privileged: service.privileged === true ? true : undefined,
    SecurityOpt: stringListOf(service.security_opt),
    Devices: devicesOf(service.devices),
    ...resources,
    DeviceRequests: [...(resources.DeviceRequests ?? []), ...(gpus ?? [])],
  };
  if (config.DeviceRequests?.length === 0) delete config.DeviceRequests;
  return dropUndefined(config);
}

/** A copy without `undefined` fields (so specs compare and serialise cleanly). */
export function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
