/**
 * Value types of compose fields (durations, byte sizes, list-or-dict, the
 * long forms of ports, volumes, networks, depends_on, healthcheck, deploy),
 * used by the field tables in `_compose_fields.ts`.
 *
 * @module
 */

import { byteSizePattern, durationPattern } from "./_formats.ts";
import { type FieldDef, t, type TypeDef } from "./_types.ts";

export const str = t.string();
export const strings = t.list(str);
export const stringOrList = t.oneOf([str, strings]);
export const scalar = t.oneOf(
  [str, t.number(), t.boolean, t.null],
  "a string, number, boolean or null",
);
export const listOrDict = t.oneOf(
  [t.map(scalar), strings],
  "a mapping or a list of KEY=VALUE strings",
);
export const duration = t.string({
  pattern: durationPattern,
  expected: "a duration like 10s or 1m30s",
});
export const byteSize = t.oneOf(
  [t.integer(0), t.string({ pattern: byteSizePattern })],
  "a byte size like 64m or 1g",
);
export const cpuCount = t.oneOf(
  [t.number(0), t.string({ pattern: /^\d+(?:\.\d+)?$/ })],
  "a CPU count",
);
export const portNumber = t.oneOf(
  [t.integer(0, 65535), t.string({ pattern: /^\d+(?:-\d+)?$/ })],
  "a port number or range",
);
export const f = (type: TypeDef, doc: string): FieldDef => ({ type, doc });

export const healthcheck = t.record({
  test: f(stringOrList, "Probe: a shell string, or [CMD, …] / [CMD-SHELL, …] / [NONE]."),
  interval: f(duration, "Time between probes."),
  timeout: f(duration, "Probe timeout."),
  retries: f(t.integer(0), "Consecutive failures before unhealthy."),
  start_period: f(duration, "Grace period before failures count."),
  start_interval: f(duration, "Probe interval during the start period."),
  disable: f(t.boolean, "true = no healthcheck."),
}, true);

export const volumeEntry = t.oneOf([
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

export const portEntry = t.oneOf([
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

export const serviceNetworks = t.oneOf([
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

export const dependsOn = t.oneOf([
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

export const resources = t.record({
  cpus: f(cpuCount, "CPU limit."),
  memory: f(byteSize, "Memory limit."),
  pids: f(t.integer(), "PID limit."),
  devices: f(t.any, "Accepted, ignored."),
  generic_resources: f(t.any, "Accepted, ignored."),
}, true);

export const deploy = t.record({
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

export const envFileEntry = t.oneOf([
  str,
  t.record({
    path: { type: str, doc: "Dotenv path relative to the compose file.", required: true },
    required: f(t.boolean, "false = skip when missing."),
    format: f(str, "File format."),
  }, true),
]);
