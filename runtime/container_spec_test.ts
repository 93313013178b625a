import assert from "node:assert/strict";
import { parseComposeProject } from "../compose/mod.ts";
import { JacoError } from "../proto/errors.ts";
import { type ContainerSpecInput, containerSpecOf } from "./container_spec.ts";

function specOf(serviceYaml: string, extra: Partial<ContainerSpecInput> = {}, tail = "") {
  const compose = parseComposeProject(`services:\n  web:\n${serviceYaml}\n${tail}`);
  return containerSpecOf({
    clusterId: "c1",
    deployment: "shop",
    compose,
    service: "web",
    host: "n1",
    replicaId: "shop-web-0",
    replicaIndex: 0,
    raftIndex: 42,
    specHash: "abc",
    networks: [],
    ...extra,
  });
}

const indent = (text: string) => text.trim().split("\n").map((line) => `    ${line}`).join("\n");

Deno.test("containerSpecOf() names the container and merges JACO labels over user labels", () => {
  const { spec } = specOf(indent(`
image: nginx:1
labels: {team: a, jaco.replica_id: spoofed}
`));
  assert.equal(spec.name, "jaco_shop-web-0");
  assert.equal(spec.Image, "nginx:1");
  assert.deepEqual(spec.Labels, {
    team: "a",
    "jaco.cluster_id": "c1",
    "jaco.deployment": "shop",
    "jaco.service": "web",
    "jaco.replica_id": "shop-web-0",
    "jaco.replica_index": "0",
    "jaco.raft_index": "42",
    "jaco.spec_hash": "abc",
    "jaco.host": "n1",
  });
});

Deno.test("containerSpecOf() uses the desired image over compose image", () => {
  assert.equal(specOf(indent("image: nginx:1"), { image: "nginx:2" }).spec.Image, "nginx:2");
});

Deno.test("containerSpecOf() splits string command/entrypoint like a shell, keeps lists", () => {
  const { spec } = specOf(indent(`
image: busybox
command: sh -c 'echo "a b"; sleep 1'
entrypoint: ["/bin/tini", "--"]
`));
  assert.deepEqual(spec.Cmd, ["sh", "-c", 'echo "a b"; sleep 1']);
  assert.deepEqual(spec.Entrypoint, ["/bin/tini", "--"]);
});

Deno.test("containerSpecOf() projects environment maps and lists (value-less = empty)", () => {
  assert.deepEqual(
    specOf(indent("image: x\nenvironment: {A: 1, B: null, C: 'x=y'}")).spec.Env,
    ["A=1", "B=", "C=x=y"],
  );
  assert.deepEqual(specOf(indent("image: x\nenvironment: [A=1, B]")).spec.Env, ["A=1", "B="]);
});

Deno.test("containerSpecOf() projects healthchecks, disable and durations in ns", () => {
  const { spec } = specOf(indent(`
image: x
healthcheck:
  test: wget -qO- http://127.0.0.1/
  interval: 2s
  timeout: 500ms
  retries: 3
  start_period: 1m
`));
  assert.deepEqual(spec.Healthcheck, {
    Test: ["CMD-SHELL", "wget -qO- http://127.0.0.1/"],
    Interval: 2e9,
    Timeout: 5e8,
    Retries: 3,
    StartPeriod: 60e9,
  });
  assert.deepEqual(
    specOf(indent("image: x\nhealthcheck: {disable: true}")).spec.Healthcheck,
    { Test: ["NONE"] },
  );
  assert.deepEqual(
    specOf(indent("image: x\nhealthcheck: {test: [CMD, 'true']}")).spec.Healthcheck,
    { Test: ["CMD", "true"] },
  );
});

Deno.test("containerSpecOf() passes the process and host knobs through", () => {
  const { spec } = specOf(indent(`
image: x
user: "1000:1000"
working_dir: /srv
hostname: web1
domainname: example.org
read_only: true
tmpfs: ["/run:size=64m", /tmp]
cap_add: [NET_ADMIN]
cap_drop: [ALL]
sysctls: {net.core.somaxconn: 1024}
ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 512}
logging: {driver: json-file, options: {max-size: 10m}}
stop_signal: SIGINT
stop_grace_period: 1m30s
extra_hosts: ["db:10.0.0.5", "cache=10.0.0.6"]
dns: [1.1.1.1]
dns_search: example.org
dns_opt: [ndots:1]
init: true
shm_size: 64m
ipc: host
pid: host
uts: host
userns_mode: host
cgroup: private
cgroup_parent: jaco.slice
devices: ["/dev/fuse:/dev/fuse:rwm", {source: /dev/net/tun, target: /dev/net/tun, permissions: rw}]
`));
  assert.equal(spec.User, "1000:1000");
  assert.equal(spec.WorkingDir, "/srv");
  assert.equal(spec.Hostname, "web1");
  assert.equal(spec.Domainname, "example.org");
  assert.equal(spec.StopSignal, "SIGINT");
  assert.equal(spec.StopTimeout, 90);
  const host = spec.HostConfig;
  assert.equal(host.ReadonlyRootfs, true);
  assert.deepEqual(host.Tmpfs, { "/run": "size=64m", "/tmp": "" });
  assert.deepEqual(host.CapAdd, ["NET_ADMIN"]);
  assert.deepEqual(host.CapDrop, ["ALL"]);
  assert.deepEqual(host.Sysctls, { "net.core.somaxconn": "1024" });
  assert.deepEqual(host.Ulimits, [
    { Name: "nofile", Soft: 1024, Hard: 2048 },
    { Name: "nproc", Soft: 512, Hard: 512 },
  ]);
  assert.deepEqual(host.LogConfig, { Type: "json-file", Config: { "max-size": "10m" } });
  assert.deepEqual(host.ExtraHosts, ["db:10.0.0.5", "cache:10.0.0.6"]);
  assert.deepEqual(host.Dns, ["1.1.1.1"]);
  assert.deepEqual(host.DnsSearch, ["example.org"]);
  assert.deepEqual(host.DnsOptions, ["ndots:1"]);
  assert.equal(host.Init, true);
  assert.equal(host.ShmSize, 64 * 1024 ** 2);
  assert.equal(host.IpcMode, "host");
  assert.equal(host.PidMode, "host");
  assert.equal(host.UTSMode, "host");
  assert.equal(host.UsernsMode, "host");
  assert.equal(host.CgroupnsMode, "private");
  assert.equal(host.CgroupParent, "jaco.slice");
  assert.deepEqual(host.Devices, [
    { PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm" },
    { PathOnHost: "/dev/net/tun", PathInContainer: "/dev/net/tun", CgroupPermissions: "rw" },
  ]);
});

Deno.test("containerSpecOf() leaves absent fields to the engine defaults", () => {
  const { spec, pullPolicy } = specOf(indent("image: x"));
  assert.deepEqual(Object.keys(spec).sort(), [
    "Env",
    "HostConfig",
    "Image",
    "Labels",
    "name",
    "networks",
  ]);
  assert.deepEqual(spec.HostConfig, { NetworkMode: "jaco_shop__default" });
  assert.equal(pullPolicy, undefined);
});

Deno.test("containerSpecOf() uses JACO DNS unless compose sets dns", () => {
  assert.deepEqual(specOf(indent("image: x"), { dnsServers: ["10.244.1.1"] }).spec.HostConfig.Dns, [
    "10.244.1.1",
  ]);
  assert.deepEqual(
    specOf(indent("image: x\ndns: 9.9.9.9"), { dnsServers: ["10.244.1.1"] }).spec.HostConfig.Dns,
    ["9.9.9.9"],
  );
});

Deno.test("containerSpecOf() takes deploy.resources and ignores legacy keys then", () => {
  const { spec } = specOf(indent(`
image: x
cpus: 2
mem_limit: 1g
cpu_shares: 512
deploy:
  resources:
    limits: {cpus: "0.5", memory: 256m, pids: 100}
    reservations: {memory: 64m}
`));
  const host = spec.HostConfig;
  assert.equal(host.NanoCpus, 5e8);
  assert.equal(host.Memory, 256 * 1024 ** 2);
  assert.equal(host.PidsLimit, 100);
  assert.equal(host.MemoryReservation, 64 * 1024 ** 2);
  assert.equal(host.CpuShares, undefined);
});

Deno.test("containerSpecOf() uses the legacy resource keys without deploy.resources", () => {
  const { spec } = specOf(indent(`
image: x
cpus: 1.5
mem_limit: 1g
mem_reservation: 512m
pids_limit: 50
cpu_shares: 512
cpuset: "0-1"
`));
  const host = spec.HostConfig;
  assert.equal(host.NanoCpus, 1.5e9);
  assert.equal(host.Memory, 1024 ** 3);
  assert.equal(host.MemoryReservation, 512 * 1024 ** 2);
  assert.equal(host.PidsLimit, 50);
  assert.equal(host.CpuShares, 512);
  assert.equal(host.CpusetCpus, "0-1");
});

Deno.test("containerSpecOf() turns gpus into device requests", () => {
  assert.deepEqual(specOf(indent("image: x\ngpus: all")).spec.HostConfig.DeviceRequests, [
    { Driver: "", Count: -1, DeviceIDs: [], Capabilities: [["gpu"]], Options: {} },
  ]);
  assert.deepEqual(
    specOf(
      indent("image: x\ngpus: [{driver: nvidia, device_ids: ['0'], capabilities: [gpu, compute]}]"),
    )
      .spec.HostConfig.DeviceRequests,
    [{
      Driver: "nvidia",
      Count: 0,
      DeviceIDs: ["0"],
      Capabilities: [["gpu", "compute"]],
      Options: {},
    }],
  );
});

Deno.test("containerSpecOf() scopes named volumes and keeps binds, anonymous and external ones", () => {
  const { spec } = specOf(
    indent(`
image: x
volumes: ["data:/data", "/srv/conf:/etc/conf:ro", "/cache", "ext:/ext"]
`),
    {},
    "volumes:\n  data: {}\n  ext: {external: true}\n",
  );
  assert.deepEqual(spec.HostConfig.Mounts, [
    { Type: "volume", Source: "jaco_shop_data", Target: "/data", ReadOnly: false },
    { Type: "bind", Source: "/srv/conf", Target: "/etc/conf", ReadOnly: true },
    { Type: "volume", Source: "", Target: "/cache", ReadOnly: false },
    { Type: "volume", Source: "ext", Target: "/ext", ReadOnly: false },
  ]);
});

Deno.test("containerSpecOf() attaches deployment networks with the service as alias", () => {
  const { spec } = specOf(
    indent("image: x\nnetworks: {edge: {aliases: [www]}, data: null}"),
    { networks: ["edge", "data"] },
    "networks:\n  edge: {}\n  data: {}\n",
  );
  assert.equal(spec.HostConfig.NetworkMode, "jaco_shop_edge");
  assert.deepEqual(spec.networks, [
    { network: "jaco_shop_edge", aliases: ["web", "www"] },
    { network: "jaco_shop_data", aliases: ["web"] },
  ]);
});

Deno.test("containerSpecOf() honours network_mode none and service:<x>", () => {
  const none = specOf(indent("image: x\nnetwork_mode: none")).spec;
  assert.equal(none.HostConfig.NetworkMode, "none");
  assert.deepEqual(none.networks, []);
  const compose = parseComposeProject(
    "services:\n  web: {image: x, network_mode: 'service:app'}\n  app: {image: y}\n",
  );
  const input = {
    clusterId: "c1",
    deployment: "shop",
    compose,
    service: "web",
    host: "n1",
    replicaId: "shop-web-0",
    replicaIndex: 0,
    raftIndex: 1,
    specHash: "h",
    networks: [],
  };
  const shared = containerSpecOf({ ...input, networkModeContainer: "jaco_shop-app-0" }).spec;
  assert.equal(shared.HostConfig.NetworkMode, "container:jaco_shop-app-0");
  assert.throws(() => containerSpecOf(input), /needs the container of service "app"/);
});

Deno.test("containerSpecOf() passes privileged/security_opt only with the allow label", () => {
  const { spec } = specOf(indent(`
image: x
privileged: true
security_opt: [apparmor:unconfined]
labels: {jaco.io/allow-privileged: "true"}
`));
  assert.equal(spec.HostConfig.Privileged, true);
  assert.deepEqual(spec.HostConfig.SecurityOpt, ["apparmor:unconfined"]);
  const compose = parseComposeProject("services:\n  web: {image: x}\n");
  compose.services.get("web")!.privileged = true;
  assert.throws(
    () =>
      containerSpecOf({
        clusterId: "c1",
        deployment: "shop",
        compose,
        service: "web",
        host: "n1",
        replicaId: "shop-web-0",
        replicaIndex: 0,
        raftIndex: 1,
        specHash: "h",
        networks: [],
      }),
    (error) => error instanceof JacoError && error.code === "validation_failed",
  );
});

Deno.test("containerSpecOf() returns the pull policy and refuses unknown services", () => {
  assert.equal(specOf(indent("image: x\npull_policy: never")).pullPolicy, "never");
  const compose = parseComposeProject("services:\n  web: {image: x}\n");
  assert.throws(
    () =>
      containerSpecOf({
        clusterId: "c1",
        deployment: "shop",
        compose,
        service: "nope",
        host: "n1",
        replicaId: "r",
        replicaIndex: 0,
        raftIndex: 1,
        specHash: "h",
        networks: [],
      }),
    (error) => error instanceof JacoError && error.code === "unknown_service",
  );
});
