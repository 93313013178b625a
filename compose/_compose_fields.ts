/**
 * The accepted compose subset (manifests.md §2): top-level keys, the closed
 * service-field allowlist with each field's treatment and value type, legacy
 * v1/v2 spellings, and top-level network/volume definitions. The validator
 * and {@link composeSubsetSchema} are both generated from these tables.
 *
 * @module
 */

import { byteSizePattern, durationPattern } from "./_formats.ts";
import { type FieldDef, t, type TypeDef } from "./_types.ts";

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

const str = t.string();
const strings = t.list(str);
const stringOrList = t.oneOf([str, strings]);
const scalar = t.oneOf([str, t.number(), t.boolean, t.null], "a string, number, boolean or null");
const listOrDict = t.oneOf([t.map(scalar), strings], "a mapping or a list of KEY=VALUE strings");
const duration = t.string({ pattern: durationPattern, expected: "a duration like 10s or 1m30s" });
const byteSize = t.oneOf(
  [t.integer(0), t.string({ pattern: byteSizePattern })],
  "a byte size like 64m or 1g",
);
const cpuCount = t.oneOf([t.number(0), t.string({ pattern: /^\d+(?:\.\d+)?$/ })], "a CPU count");
const portNumber = t.oneOf(
  [t.integer(0, 65535), t.string({ pattern: /^\d+(?:-\d+)?$/ })],
  "a port number or range",
);
const f = (type: TypeDef, doc: string): FieldDef => ({ type, doc });

const healthcheck = t.record({
  test: f(stringOrList, "Probe: a shell string, or [CMD, …] / [CMD-SHELL, …] / [NONE]."),
  interval: f(duration, "Time between probes."),
  timeout: f(duration, "Probe timeout."),
  retries: f(t.integer(0), "Consecutive failures before unhealthy."),
  start_period: f(duration, "Grace period before failures count."),
  start_interval: f(duration, "Probe interval during the start period."),
  disable: f(t.boolean, "true = no healthcheck."),
}, true);

const volumeEntry = t.oneOf([
  str,
  t.record({
    type: f(t.string({ enum: ["volume", "bind", "tmpfs", "npipe", "cluster", "image"] }), "Kind."),
    source: f(str, "Named volume key or host path."),
    target: f(str, "Path inside the container."),
    read_only: f(t.boolean, "Mount read-only."),
    consistency: f(str, "Ignored."),
    bind: f(
      t.record({
        propagation: f(str, "Bind propagation."),
        create_host_path: f(t.boolean, "Create the host path if missing."),
        selinux: f(t.string({ enum: ["z", "Z"] }), "SELinux relabel."),
        recursive: f(str, "Recursive read-only mode."),
      }, true),
      "Bind options.",
    ),
    volume: f(
      t.record({
        nocopy: f(t.boolean, "Do not copy image data."),
        subpath: f(str, "Sub-path of the volume."),
        labels: f(listOrDict, "Volume labels."),
      }, true),
      "Volume options.",
    ),
    tmpfs: f(
      t.record({
        size: f(byteSize, "Size."),
        mode: f(t.oneOf([t.integer(0), str]), "File mode."),
      }, true),
      "tmpfs options.",
    ),
    image: f(t.record({ subpath: f(str, "Sub-path of the image.") }, true), "Image options."),
  }, true),
], "a volume string or a long-form volume mapping");

const portEntry = t.oneOf([
  str,
  t.integer(0, 65535),
  t.record({
    name: f(str, "Port name."),
    target: f(portNumber, "Container port."),
    published: f(portNumber, "Host port or range."),
    host_ip: f(str, "Host IP to bind."),
    protocol: f(t.string({ enum: ["tcp", "udp", "sctp"] }), "Protocol (default tcp)."),
    app_protocol: f(str, "Application protocol hint."),
    mode: f(t.string({ enum: ["host", "ingress"] }), "Publish mode."),
  }, true),
], "a port string, a port number or a long-form port mapping");

const serviceNetworks = t.oneOf([
  strings,
  t.map(t.nullable(t.record({
    aliases: f(strings, "Extra DNS names on this network."),
    ipv4_address: f(str, "Static IPv4."),
    ipv6_address: f(str, "Static IPv6."),
    link_local_ips: f(strings, "Link-local IPs."),
    mac_address: f(str, "MAC address."),
    driver_opts: f(t.map(scalar), "Driver options."),
    priority: f(t.integer(), "Attach priority."),
    gw_priority: f(t.integer(), "Gateway priority."),
    interface_name: f(str, "Interface name."),
  }, true))),
], "a list of network names or a mapping of network names");

const dependsOn = t.oneOf([
  strings,
  t.map(t.nullable(t.record({
    condition: f(
      t.string({ enum: ["service_started", "service_healthy"] }),
      "Start condition; service_started (default) or service_healthy.",
    ),
    required: f(t.boolean, "false = advisory, never blocks the start."),
    restart: f(t.boolean, "Accepted, ignored."),
  }, true))),
], "a list of service names or a mapping of service names");

const resources = t.record({
  cpus: f(cpuCount, "CPU limit."),
  memory: f(byteSize, "Memory limit."),
  pids: f(t.integer(), "PID limit."),
  devices: f(t.any, "Accepted, ignored."),
  generic_resources: f(t.any, "Accepted, ignored."),
}, true);

const deploy = t.record({
  mode: f(str, "Accepted, ignored (JACO placement comes from jaco.yaml)."),
  replicas: f(t.integer(0), "Default replica count when jaco.yaml omits replicas."),
  labels: f(listOrDict, "Accepted, ignored."),
  resources: f(
    t.record({
      limits: f(resources, "Per-replica cgroup limits."),
      reservations: f(resources, "Per-replica reservations."),
    }, true),
    "Resource limits and reservations.",
  ),
  placement: f(t.any, "Parsed, ignored."),
  restart_policy: f(t.any, "Parsed, ignored (the scheduler owns restarts)."),
  update_config: f(t.any, "Parsed, ignored."),
  rollback_config: f(t.any, "Parsed, ignored."),
  endpoint_mode: f(str, "Parsed, ignored."),
}, true);

const envFileEntry = t.oneOf([
  str,
  t.record({
    path: { type: str, doc: "Dotenv path relative to the compose file.", required: true },
    required: f(t.boolean, "false = skip when missing."),
    format: f(str, "File format."),
  }, true),
]);

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
  networks: { type: t.map(composeNetworkType), doc: "Networks services may join." },
  volumes: { type: t.map(composeVolumeType), doc: "Named volumes." },
  version: { type: t.oneOf([str, t.number()]), doc: "Accepted, ignored." },
  name: { type: str, doc: "Accepted, ignored (the deployment name is used)." },
} satisfies Record<string, FieldDef>;

/** The whole compose document type. */
export const composeDocumentType: TypeDef = t.record(composeTopFields, true);
