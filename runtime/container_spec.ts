/**
 * The pure projection of one replica of a compose service onto Docker create options
 * (manifests.md §2.2, §2.6, §2.7, §2.9, §2.10; scheduling.md §7.3 step 2). No I/O: the same input
 * always yields the same spec, so it is tested field by field.
 *
 * Decisions where the spec is silent:
 * - `hostname` is Docker's default (the short container id) unless compose sets one.
 * - Every attached network gets the service name as a DNS alias (plus compose `aliases:` of the
 *   map form), so Docker's embedded DNS resolves services on the per-host bridge.
 * - A compose `environment` entry without a value (`FOO:` / `- FOO`) reaches the container as
 *   `FOO=` (manifests.md §3.3: the CLI already resolved it).
 * - The privileged label fence (§2.10 fence 1) is re-checked here: a gated service without the
 *   label is refused even if it somehow reached the state (defence in depth); fence 2 is apply
 *   admission and cannot be re-checked at runtime.
 * - `network_mode: service:<x>` needs the caller to name the container to join
 *   (`networkModeContainer`): the agent picks a local replica of `<x>`.
 *
 * @module
 */
import {
  allowPrivilegedLabel,
  type ComposeProject,
  gatedFieldsOf,
  labelOf,
  parseDurationMs,
  serviceMounts,
} from "../compose/mod.ts";
import { JacoError } from "../proto/errors.ts";
import type { ContainerSpec, EngineHealthcheck, EngineMount } from "./engine.ts";
import {
  dropUndefined,
  hostConfigOf,
  keyValuesOf,
  stringListOf,
  stringOf,
} from "./_host_config.ts";
import { containerNameOf, JacoLabel, networkNameOf } from "./names.ts";
import { shellWords } from "./_shell_words.ts";

/** What identifies one replica container besides its compose service. */
export interface ContainerSpecInput {
  /** Cluster id (`jaco.cluster_id`). */
  clusterId: string;
  /** Deployment name. */
  deployment: string;
  /** The deployment's parsed compose project. */
  compose: ComposeProject;
  /** Compose service name. */
  service: string;
  /** Node creating the container (`jaco.host`). */
  host: string;
  /** Replica id (container name `jaco_<id>`). */
  replicaId: string;
  /** Replica index. */
  replicaIndex: number;
  /** Raft index of the desired record (`jaco.raft_index`; a change means recreate). */
  raftIndex: number;
  /** Spec hash of the service (`jaco.spec_hash`). */
  specHash: string;
  /** Image override (the desired record's image); compose `image` when empty. */
  image?: string;
  /** Compose network names to join (`ServiceSpec.networks`); `[]` = the implicit `_default`. */
  networks: readonly string[];
  /** Container name or id to share the network namespace of (`network_mode: service:<x>`). */
  networkModeContainer?: string;
  /** JACO's per-bridge resolvers, used when compose sets no `dns:`. */
  dnsServers?: readonly string[];
}

/** How a compose service wants its image fetched (`pull_policy`; unset = pull). */
export type PullPolicy = "always" | "missing" | "never" | "build";

/** A container spec plus the pull policy that goes with it. */
export interface ReplicaContainerPlan {
  /** Docker create options. */
  spec: ContainerSpec;
  /** `pull_policy` of the service (undefined = unset, which pulls). */
  pullPolicy?: PullPolicy;
}

const nsPerMs = 1_000_000;

function commandOf(value: unknown): string[] | undefined {
  if (typeof value === "string") return shellWords(value);
  if (Array.isArray(value)) return value.map(String);
  return undefined;
}

function environmentOf(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.map(String).map((entry) => entry.includes("=") ? entry : `${entry}=`);
  }
  const map = keyValuesOf(value) ?? {};
  return Object.entries(map).map(([key, text]) => `${key}=${text}`);
}

function durationNsOf(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  return Math.round(parseDurationMs(value) * nsPerMs);
}

/** Compose `healthcheck` → Docker `Healthcheck` (`disable: true` = `["NONE"]`). */
export function healthcheckOf(value: unknown): EngineHealthcheck | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const check = value as Record<string, unknown>;
  if (check.disable === true) return { Test: ["NONE"] };
  const test = typeof check.test === "string"
    ? ["CMD-SHELL", check.test]
    : Array.isArray(check.test)
    ? check.test.map(String)
    : [];
  return dropUndefined({
    Test: test,
    Interval: durationNsOf(check.interval),
    Timeout: durationNsOf(check.timeout),
    Retries: typeof check.retries === "number" ? check.retries : undefined,
    StartPeriod: durationNsOf(check.start_period),
    StartInterval: durationNsOf(check.start_interval),
  });
}

function labelsOf(input: ContainerSpecInput, service: Record<string, unknown>) {
  const user = keyValuesOf(service.labels) ?? {};
  return {
    ...user,
    [JacoLabel.clusterId]: input.clusterId,
    [JacoLabel.deployment]: input.deployment,
    [JacoLabel.service]: input.service,
    [JacoLabel.replicaId]: input.replicaId,
    [JacoLabel.replicaIndex]: String(input.replicaIndex),
    [JacoLabel.raftIndex]: String(input.raftIndex),
    [JacoLabel.specHash]: input.specHash,
    [JacoLabel.host]: input.host,
  };
}

function mountsOf(input: ContainerSpecInput): EngineMount[] {
  return serviceMounts(input.deployment, input.compose, input.service)
    .filter((mount) => mount.type === "bind" || mount.type === "volume" || mount.type === "tmpfs")
    .map((mount) => ({
      Type: mount.type as EngineMount["Type"],
      Source: mount.source,
      Target: mount.target,
      ReadOnly: mount.readOnly,
    }));
}

function composeAliasesOf(service: Record<string, unknown>, network: string): string[] {
  const networks = service.networks;
  if (typeof networks !== "object" || networks === null || Array.isArray(networks)) return [];
  const entry = (networks as Record<string, unknown>)[network];
  if (typeof entry !== "object" || entry === null) return [];
  return stringListOf((entry as Record<string, unknown>).aliases) ?? [];
}

function networkingOf(input: ContainerSpecInput, service: Record<string, unknown>) {
  const mode = stringOf(service.network_mode) ?? "";
  if (mode === "none") return { NetworkMode: "none", networks: [] };
  if (mode.startsWith("service:")) {
    if (!input.networkModeContainer) {
      throw new Error(`network_mode ${mode} needs the container of service "${mode.slice(8)}"`);
    }
    return { NetworkMode: `container:${input.networkModeContainer}`, networks: [] };
  }
  const names = input.networks.length > 0 ? input.networks : ["_default"];
  const networks = names.map((name) => ({
    network: networkNameOf(input.deployment, name),
    aliases: [...new Set([input.service, ...composeAliasesOf(service, name)])],
  }));
  return { NetworkMode: networks[0].network, networks };
}

/**
 * Projects one replica of a compose service onto Docker create options.
 *
 * @throws {JacoError} `unknown_service` when the service is not in the compose project;
 * `validation_failed` when the service has no image, or is gated without the privileged label
 * @example
 * ```ts
 * const { spec } = containerSpecOf({
 *   clusterId, deployment: "shop", compose, service: "web", host: "n1", replicaId: "shop-web-0",
 *   replicaIndex: 0, raftIndex: 42, specHash, networks: [],
 * });
 * spec.name; // "jaco_shop-web-0"
 * ```
 */
export function containerSpecOf(input: ContainerSpecInput): ReplicaContainerPlan {
  const service = input.compose.services.get(input.service) as Record<string, unknown> | undefined;
  if (!service) {
    throw new JacoError(
      "unknown_service",
      `service "${input.service}" not found in compose project`,
      { service: input.service, deployment: input.deployment },
    );
  }
  const image = input.image || stringOf(service.image) || "";
  if (image === "") {
    throw new JacoError("validation_failed", `service "${input.service}" has no image`, {
      service: input.service,
      field: "image",
    });
  }
  const gated = gatedFieldsOf(service);
  if (gated !== "" && labelOf(service, allowPrivilegedLabel) !== "true") {
    throw new JacoError(
      "validation_failed",
      `service "${input.service}" uses ${gated} but lacks required label ${allowPrivilegedLabel}="true"`,
      { service: input.service, fields: gated, label: allowPrivilegedLabel },
    );
  }
  const { NetworkMode, networks } = networkingOf(input, service);
  const dns = stringListOf(service.dns) ??
    (input.dnsServers?.length ? [...input.dnsServers] : undefined);
  const mounts = mountsOf(input);
  const stopGraceMs = typeof service.stop_grace_period === "string"
    ? parseDurationMs(service.stop_grace_period)
    : undefined;
  const spec: ContainerSpec = dropUndefined({
    name: containerNameOf(input.replicaId),
    Image: image,
    Cmd: commandOf(service.command),
    Entrypoint: commandOf(service.entrypoint),
    Env: environmentOf(service.environment),
    Labels: labelsOf(input, service),
    User: typeof service.user === "number" ? String(service.user) : stringOf(service.user),
    WorkingDir: stringOf(service.working_dir),
    Hostname: stringOf(service.hostname),
    Domainname: stringOf(service.domainname),
    Healthcheck: healthcheckOf(service.healthcheck),
    StopSignal: stringOf(service.stop_signal),
    StopTimeout: stopGraceMs === undefined ? undefined : Math.ceil(stopGraceMs / 1000),
    HostConfig: dropUndefined({
      ...hostConfigOf(service),
      NetworkMode,
      Mounts: mounts.length > 0 ? mounts : undefined,
      Dns: dns,
    }),
    networks,
  });
  const pullPolicy = stringOf(service.pull_policy) as PullPolicy | undefined;
  return pullPolicy ? { spec, pullPolicy } : { spec };
}
