/**
 * The container engine interface the runtime drives (style guide: one interface at the I/O edge,
 * a Docker implementation and an in-memory fake). Shapes follow the Docker Engine API (v1.41+)
 * field names, so the Docker implementation passes them through untouched and tests can compare
 * them with `docker inspect`.
 *
 * @module
 */

/** A mount of a container (`HostConfig.Mounts[]`). */
export interface EngineMount {
  Type: "bind" | "volume" | "tmpfs";
  /** Host path, volume name, or `""` (anonymous volume, tmpfs). */
  Source: string;
  Target: string;
  ReadOnly: boolean;
}

/** A device request (`HostConfig.DeviceRequests[]`, GPUs). */
export interface EngineDeviceRequest {
  Driver: string;
  Count: number;
  DeviceIDs: string[];
  Capabilities: string[][];
  Options: Record<string, string>;
}

/** `HostConfig` fields JACO sets (everything optional; absent = engine default). */
export interface EngineHostConfig {
  NetworkMode?: string;
  Mounts?: EngineMount[];
  Tmpfs?: Record<string, string>;
  CapAdd?: string[];
  CapDrop?: string[];
  Sysctls?: Record<string, string>;
  Ulimits?: { Name: string; Soft: number; Hard: number }[];
  ReadonlyRootfs?: boolean;
  LogConfig?: { Type: string; Config: Record<string, string> };
  ExtraHosts?: string[];
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  Init?: boolean;
  ShmSize?: number;
  IpcMode?: string;
  PidMode?: string;
  UTSMode?: string;
  UsernsMode?: string;
  CgroupnsMode?: string;
  CgroupParent?: string;
  Privileged?: boolean;
  SecurityOpt?: string[];
  Devices?: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
  DeviceRequests?: EngineDeviceRequest[];
  NanoCpus?: number;
  Memory?: number;
  MemoryReservation?: number;
  PidsLimit?: number;
  CpuShares?: number;
  CpusetCpus?: string;
}

/** A healthcheck (`Config.Healthcheck`); durations in nanoseconds. */
export interface EngineHealthcheck {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
  StartInterval?: number;
}

/** One network endpoint to attach at create or connect time. */
export interface EngineNetworkAttachment {
  /** Docker network name. */
  network: string;
  /** DNS aliases on that network. */
  aliases: string[];
}

/** Everything needed to create one container (`POST /containers/create` + networks). */
export interface ContainerSpec {
  /** Container name (`jaco_<replica id>`). */
  name: string;
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env: string[];
  Labels: Record<string, string>;
  User?: string;
  WorkingDir?: string;
  Hostname?: string;
  Domainname?: string;
  Healthcheck?: EngineHealthcheck;
  StopSignal?: string;
  /** Seconds. */
  StopTimeout?: number;
  HostConfig: EngineHostConfig;
  /** Networks in attach order: the first at create, the others connected before start. */
  networks: EngineNetworkAttachment[];
}

/** `State` of an inspected container (the fields JACO reads). */
export interface EngineContainerState {
  Status: string;
  Running: boolean;
  ExitCode: number;
  Error?: string;
  StartedAt?: string;
  Health?: { Status: string };
}

/** An inspected container (the fields JACO reads). */
export interface EngineContainer {
  Id: string;
  Name: string;
  State?: EngineContainerState;
  Labels: Record<string, string>;
  /** Docker network name → container IPv4 address ("" when none). */
  networkIps: Record<string, string>;
}

/** A listed container. */
export interface EngineContainerSummary {
  Id: string;
  /** Names without the leading `/`. */
  Names: string[];
  State: string;
  Labels: Record<string, string>;
}

/** Registry credentials of one pull (`X-Registry-Auth`). */
export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/** Options of {@link ContainerEngine.logs}. */
export interface EngineLogOptions {
  follow: boolean;
  /** Only lines at or after this time. */
  since?: Date;
  /** Only the last N lines (absent = all). */
  tail?: number;
  /** Ends the stream (also a follow). */
  signal?: AbortSignal;
}

/**
 * A container engine. Errors are thrown as-is; `inspectContainer` returns `undefined` for a
 * container that does not exist.
 */
export interface ContainerEngine {
  /** Resolves when the engine answers. */
  ping(): Promise<void>;
  /** True when the image is present locally. */
  hasImage(image: string): Promise<boolean>;
  /** Pulls an image to completion; throws on any pull error. */
  pullImage(image: string, auth: RegistryAuth | undefined, signal?: AbortSignal): Promise<void>;
  /** Creates the network unless one with that name exists. */
  ensureNetwork(name: string, labels: Record<string, string>): Promise<void>;
  /** Creates the volume unless one with that name exists (never removed by JACO). */
  ensureVolume(name: string, labels: Record<string, string>): Promise<void>;
  /** Creates (does not start) a container, attaching every network; returns its id. */
  createContainer(spec: ContainerSpec): Promise<string>;
  /** Starts a container (no-op when running). */
  startContainer(id: string): Promise<void>;
  /**
   * Stops a container with its own persisted stop signal and grace period (no-op when stopped
   * or gone).
   */
  stopContainer(id: string): Promise<void>;
  /** Force-removes a container (no-op when gone). */
  removeContainer(id: string): Promise<void>;
  /** Inspects a container by id or name; `undefined` when it does not exist. */
  inspectContainer(id: string): Promise<EngineContainer | undefined>;
  /** Containers (running or not) carrying every given label. */
  listContainers(labels: Record<string, string>): Promise<EngineContainerSummary[]>;
  /** The raw multiplexed log stream of a (non-TTY) container. */
  logs(id: string, options: EngineLogOptions): Promise<AsyncIterable<Uint8Array>>;
  /**
   * Container state-change events (exit, OOM, health status) as they happen, until `signal`
   * aborts or the connection ends. Optional: an engine without an event stream is only polled.
   */
  containerEvents?(signal: AbortSignal): AsyncIterable<EngineContainerEvent>;
}

/** One container event of {@link ContainerEngine.containerEvents}. */
export interface EngineContainerEvent {
  /** Full container id. */
  containerId: string;
  /** Docker's action, e.g. `die`, `oom`, `health_status: unhealthy`. */
  action: string;
}
