/**
 * The accepted compose subset (manifests.md §2): top-level keys, the closed
 * service-field allowlist with each field's treatment and value type, legacy
 * v1/v2 spellings, and top-level network/volume definitions. The validator
 * and {@link composeSubsetSchema} are both generated from these tables.
 *
 * @module
 */

import { type FieldDef, t, type TypeDef } from "./_types.ts";
import {
  byteSize,
  cpuCount,
  dependsOn,
  deploy,
  duration,
  envFileEntry,
  f,
  healthcheck,
  listOrDict,
  portEntry,
  scalar,
  serviceNetworks,
  str,
  stringOrList,
  strings,
  volumeEntry,
} from "./_compose_value_types.ts";

/** How JACO treats an allowlisted service field (§2.2). */
export const Treatment = {
  /** Passed to the container runtime. */
  honored: "honored",
  /** Honored, but JACO's own settings take precedence (`deploy`, legacy resource keys). */
  overridden: "overridden",
  /** Accepted so the file still runs under `docker compose`, then ignored. */
  ignored: "ignored",
} as const;
/** One treatment. */
export type Treatment = typeof Treatment[keyof typeof Treatment];

/** A service field: type, docs, treatment; `ownRule` fields are checked by a dedicated step. */
export interface ServiceFieldDef extends FieldDef {
  readonly treatment: Treatment;
  /** Validated by its own pipeline step (with contract messages), not the generic type check. */
  readonly ownRule?: true;
}

/** Compose service names (compose-spec pattern). */
export const serviceNamePattern: RegExp = /^[a-zA-Z0-9._-]+$/;

const h = (type: TypeDef, doc: string, ownRule?: true): ServiceFieldDef => ({
  type,
  doc,
  treatment: Treatment.honored,
  ownRule,
});
const o = (type: TypeDef, doc: string): ServiceFieldDef => ({
  type,
  doc,
  treatment: Treatment.overridden,
});
const ignored = (type: TypeDef, doc: string): ServiceFieldDef => ({
  type,
  doc,
  treatment: Treatment.ignored,
});

/** The closed service-field allowlist (§2.2). Anything else is rejected. */
export const composeServiceFields: Readonly<Record<string, ServiceFieldDef>> = {
  image: h(str, "Image reference; pulled, never built."),
  command: h(t.nullable(stringOrList), "Overrides the image CMD."),
  entrypoint: h(t.nullable(stringOrList), "Overrides the image ENTRYPOINT."),
  environment: h(listOrDict, "Container environment (map or KEY=VALUE list)."),
  env_file: h(
    t.oneOf([str, t.list(envFileEntry)]),
    "CLI-only: folded into environment before apply; the daemon rejects leftovers.",
  ),
  volumes: h(t.list(volumeEntry), "Named volumes (deployment-scoped), bind mounts, anonymous."),
  ports: h(t.list(portEntry), "Published ports: cluster-wide TCP listeners."),
  depends_on: h(dependsOn, "Start ordering (service_started / service_healthy).", true),
  healthcheck: h(healthcheck, "Drives replica state."),
  labels: h(listOrDict, "Container labels; JACO labels are merged on top."),
  user: h(t.oneOf([str, t.integer(0)]), "User (name or uid[:gid])."),
  working_dir: h(str, "Working directory."),
  read_only: h(t.boolean, "Read-only root filesystem."),
  tmpfs: h(stringOrList, "tmpfs mounts."),
  cap_add: h(strings, "Added capabilities."),
  cap_drop: h(strings, "Dropped capabilities."),
  sysctls: h(listOrDict, "Namespaced kernel parameters."),
  ulimits: h(
    t.map(t.oneOf([
      t.integer(),
      t.record({ soft: f(t.integer(), "Soft limit."), hard: f(t.integer(), "Hard limit.") }, true),
    ])),
    "Resource limits (single value or soft/hard).",
  ),
  networks: h(serviceNetworks, "Networks to join; names must be declared top-level."),
  logging: h(
    t.record({
      driver: f(str, "Log driver."),
      options: f(t.nullable(t.map(scalar)), "Driver options."),
    }, true),
    "Container log configuration.",
  ),
  stop_signal: h(str, "Signal sent on stop (default SIGTERM)."),
  stop_grace_period: h(duration, "Wait before SIGKILL."),
  hostname: h(str, "Container hostname."),
  domainname: h(str, "Container domain name."),
  extra_hosts: h(
    t.oneOf([strings, t.map(stringOrList)]),
    "Extra /etc/hosts entries (host:ip list or host → ip mapping).",
  ),
  init: h(t.boolean, "Run an init process."),
  shm_size: h(byteSize, "/dev/shm size."),
  dns: h(stringOrList, "DNS servers; overrides JACO's per-bridge resolver."),
  dns_search: h(stringOrList, "DNS search domains."),
  dns_opt: h(strings, "Resolver options."),
  ipc: h(str, "IPC namespace mode (passthrough)."),
  pid: h(t.nullable(str), "PID namespace mode (passthrough)."),
  uts: h(str, "UTS namespace mode (passthrough)."),
  userns_mode: h(str, "User namespace mode (passthrough)."),
  cgroup: h(t.string({ enum: ["host", "private"] }), "cgroup namespace (passthrough)."),
  cgroup_parent: h(str, "Parent cgroup (passthrough)."),
  network_mode: h(str, '"none" or "service:<name>" only.', true),
  privileged: h(t.boolean, 'Gated: needs label jaco.io/allow-privileged: "true".'),
  security_opt: h(strings, 'Gated: needs label jaco.io/allow-privileged: "true".'),
  devices: h(
    t.list(t.oneOf([
      str,
      t.record({
        source: f(str, "Host device."),
        target: f(str, "Container device."),
        permissions: f(str, "cgroup permissions (rwm)."),
      }, true),
    ])),
    "Devices (short or long form).",
  ),
  gpus: h(
    t.oneOf([
      t.string({ enum: ["all"] }),
      t.list(t.record({
        driver: f(str, "Device driver."),
        count: f(t.oneOf([t.integer(), t.string({ enum: ["all"] })]), "Device count or all."),
        device_ids: f(strings, "Device ids."),
        capabilities: f(strings, "Capabilities."),
        options: f(t.map(t.any), "Driver options."),
      }, true)),
    ], "all or a list of device requests"),
    "GPU device requests.",
  ),
  pull_policy: h(
    t.string({ enum: ["always", "missing", "never", "build"] }),
    "always, missing, never (image must be local) or build (= missing).",
    true,
  ),
  deploy: o(deploy, "Accepted wholesale; replicas and resources are honored."),
  cpus: o(cpuCount, "Legacy CPU limit (deploy.resources wins)."),
  mem_limit: o(byteSize, "Legacy memory limit (deploy.resources wins)."),
  mem_reservation: o(byteSize, "Legacy memory reservation (deploy.resources wins)."),
  pids_limit: o(t.integer(), "Legacy PID limit (deploy.resources wins)."),
  cpu_shares: o(t.integer(0), "Legacy CPU shares (deploy.resources wins)."),
  cpuset: o(str, "Legacy CPU set (deploy.resources wins)."),
  restart: ignored(str, "Ignored: the scheduler owns restarts."),
  build: ignored(t.oneOf([str, t.map(t.any)]), "Ignored: JACO never builds."),
  name: ignored(str, "Ignored: containers are always named jaco_<replica-id>."),
};

/** v1/v2 spellings and their modern equivalents (§2.3), rejected before the allowlist. */
export const legacyServiceFields: Readonly<Record<string, string>> = {
  log_driver: "logging.driver",
  log_opt: "logging.options",
  net: "network_mode",
  volume_driver: 'no direct equivalent; use long-form "volumes:" with "driver:"',
  dockerfile: "build.dockerfile",
};

/** One compose service (the closed field set; extension keys `x-*` allowed). */
export const composeServiceType: TypeDef = t.record(composeServiceFields, true);

const externalFlag = f(
  t.oneOf([t.boolean, t.record({ name: f(str, "Legacy: ignored.") }, true)]),
  "Pre-existing resource (legacy {name: …} form is treated as true).",
);

/** A top-level `networks.<name>` definition. */
export const composeNetworkType: TypeDef = t.nullable(t.record({
  name: f(str, "Accepted, ignored: JACO names networks jaco_<dep>_<net>."),
  driver: f(str, "Accepted, ignored."),
  driver_opts: f(t.map(scalar), "Accepted, ignored."),
  ipam: f(t.any, "Accepted, ignored (JACO allocates subnets)."),
  external: {
    type: t.boolean,
    doc: "Only false: JACO creates every network itself.",
  },
  internal: f(t.boolean, "Accepted, ignored."),
  enable_ipv4: f(t.boolean, "Accepted, ignored."),
  enable_ipv6: f(t.boolean, "Accepted, ignored."),
  attachable: f(t.boolean, "Accepted, ignored."),
  labels: f(listOrDict, "Accepted, ignored."),
}, true));

/** A top-level `volumes.<key>` definition. */
export const composeVolumeType: TypeDef = t.nullable(t.record({
  name: f(str, "Docker volume name used verbatim."),
  external: externalFlag,
  driver: f(str, "Dropped: volumes are plain local volumes per node."),
  driver_opts: f(t.map(scalar), "Dropped."),
  labels: f(listOrDict, "Accepted, ignored."),
}, true));

/** The whole compose document: top-level keys (§2.1). `secrets`, `configs`, `include` are refused. */
export const composeTopFields = {
  services: {
    type: t.map(composeServiceType, serviceNamePattern),
    doc: "Services by name (required).",
    required: true,
  },
  networks: {
    type: t.nullable(t.map(composeNetworkType)),
    doc: "Networks services may join (empty = none declared).",
  },
  volumes: { type: t.nullable(t.map(composeVolumeType)), doc: "Named volumes (empty = none)." },
  version: { type: t.oneOf([str, t.number()]), doc: "Accepted, ignored." },
  name: { type: str, doc: "Accepted, ignored (the deployment name is used)." },
} satisfies Record<string, FieldDef>;

/** The whole compose document type. */
export const composeDocumentType: TypeDef = t.record(composeTopFields, true);
