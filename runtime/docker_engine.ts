/**
 * The Docker implementation of {@link ContainerEngine}, on dockerode over the engine's unix
 * socket (dockerode works under Deno 2.9: `notes/deno-platform.md`; the runtime tests drive it
 * against real dockerds of the rig).
 *
 * Decisions where the spec is silent:
 * - Network and volume creation are serialised per engine instance: Docker accepts two networks
 *   with one name, so two concurrent "create if missing" calls must not both create.
 * - Removal passes `v=true`: anonymous volumes go with their container; named volumes
 *   (`jaco_<deployment>_<volume>`) are never removed by JACO.
 * - "Not found" and "not modified" answers of start/stop/remove are success (idempotent calls).
 *
 * @module
 */
import Docker from "dockerode";
import type {
  ContainerEngine,
  ContainerSpec,
  EngineContainer,
  EngineContainerEvent,
  EngineContainerSummary,
  EngineLogOptions,
  RegistryAuth,
} from "./engine.ts";

/** Options of {@link dockerEngine}. */
export interface DockerEngineOptions {
  /** Path of the engine's unix socket (e.g. `/run/docker.sock`). */
  socketPath: string;
}

/** Default Docker socket (auth-and-config.md has no key for it; see daemon/agent). */
export const defaultDockerSocket = "/run/docker.sock";

/** The fields of `GET /containers/{id}/json` JACO reads (dockerode ships no types). */
interface DockerInspect {
  Id: string;
  Name: string;
  State?: {
    Status: string;
    Running: boolean;
    ExitCode: number;
    Error?: string;
    StartedAt?: string;
    Health?: { Status: string };
  };
  Config?: { Labels?: Record<string, string> | null };
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string } | null> };
}

/** The fields of `GET /containers/json` entries JACO reads. */
interface DockerSummary {
  Id: string;
  Names: string[];
  State: string;
  Labels?: Record<string, string> | null;
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

async function ignoring<T>(statuses: number[], call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (statuses.includes(statusOf(error) ?? -1)) return undefined;
    throw error;
  }
}

/** Docker's `since` query value: seconds with nanoseconds, as the Docker CLI sends it. */
function sinceParam(since: Date): string {
  const ms = since.getTime();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1_000_000).padStart(9, "0")}`;
}

async function* nodeStreamChunks(
  stream: NodeJS.ReadableStream & { destroy(): void },
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  const abort = () => stream.destroy();
  signal?.addEventListener("abort", abort, { once: true });
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (error) {
    if (!signal?.aborted) throw error;
  } finally {
    signal?.removeEventListener("abort", abort);
    stream.destroy();
  }
}

/**
 * A {@link ContainerEngine} talking to the Docker engine on `socketPath`.
 *
 * @example
 * ```ts
 * const engine = dockerEngine({ socketPath: "/run/docker.sock" });
 * await engine.ping();
 * ```
 */
export function dockerEngine(options: DockerEngineOptions): ContainerEngine {
  const docker = new Docker({ socketPath: options.socketPath });
  let objectLock: Promise<unknown> = Promise.resolve();
  const serialised = <T>(task: () => Promise<T>): Promise<T> => {
    const run = objectLock.then(task, task);
    objectLock = run.catch(() => undefined);
    return run;
  };

  return {
    async ping() {
      await docker.ping();
    },

    async hasImage(image) {
      return (await ignoring([404], () => docker.getImage(image).inspect())) !== undefined;
    },

    async pullImage(image: string, auth: RegistryAuth | undefined, signal?: AbortSignal) {
      const stream = await docker.pull(image, {
        ...(auth ? { authconfig: auth } : {}),
        abortSignal: signal,
      });
      await new Promise<void>((resolve, reject) => {
        docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
          const failed = output?.find((event) => event.error);
          if (error) reject(error);
          else if (failed) reject(new Error(failed.error));
          else resolve();
        });
      });
    },

    ensureNetwork(name, labels) {
      return serialised(async () => {
        const existing = await docker.listNetworks({ filters: { name: [name] } });
        if ((existing as { Name: string }[]).some((network) => network.Name === name)) return;
        await ignoring(
          [409],
          () =>
            docker.createNetwork({
              Name: name,
              Driver: "bridge",
              Labels: labels,
              CheckDuplicate: true,
            }),
        );
      });
    },

    ensureVolume(name, labels) {
      return serialised(async () => {
        if (await ignoring([404], () => docker.getVolume(name).inspect())) return;
        await docker.createVolume({ Name: name, Labels: labels });
      });
    },

    async createContainer(spec: ContainerSpec) {
      const { name, networks, ...body } = spec;
      const [first, ...others] = networks;
      const container = await docker.createContainer({
        ...body,
        name,
        NetworkingConfig: first
          ? { EndpointsConfig: { [first.network]: { Aliases: first.aliases } } }
          : undefined,
      });
      for (const attachment of others) {
        await docker.getNetwork(attachment.network).connect({
          Container: container.id,
          EndpointConfig: { Aliases: attachment.aliases },
        });
      }
      return container.id;
    },

    async startContainer(id) {
      await ignoring([304], () => docker.getContainer(id).start());
    },

    async stopContainer(id) {
      await ignoring([304, 404], () => docker.getContainer(id).stop());
    },

    async removeContainer(id) {
      await ignoring([404, 409], () => docker.getContainer(id).remove({ force: true, v: true }));
    },

    async inspectContainer(id): Promise<EngineContainer | undefined> {
      const info = await ignoring(
        [404],
        () => docker.getContainer(id).inspect() as Promise<DockerInspect>,
      );
      if (!info) return undefined;
      const networkIps: Record<string, string> = {};
      for (const [network, endpoint] of Object.entries(info.NetworkSettings?.Networks ?? {})) {
        networkIps[network] = endpoint?.IPAddress ?? "";
      }
      return {
        Id: info.Id,
        Name: info.Name.replace(/^\//, ""),
        State: info.State
          ? {
            Status: info.State.Status,
            Running: info.State.Running,
            ExitCode: info.State.ExitCode,
            Error: info.State.Error,
            StartedAt: info.State.StartedAt,
            Health: info.State.Health ? { Status: info.State.Health.Status } : undefined,
          }
          : undefined,
        Labels: info.Config?.Labels ?? {},
        networkIps,
      };
    },

    async listContainers(labels): Promise<EngineContainerSummary[]> {
      const list: DockerSummary[] = await docker.listContainers({
        all: true,
        filters: { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) },
      });
      return list.map((entry) => ({
        Id: entry.Id,
        Names: entry.Names.map((name) => name.replace(/^\//, "")),
        State: entry.State,
        Labels: entry.Labels ?? {},
      }));
    },

    async logs(id: string, logOptions: EngineLogOptions) {
      const container = docker.getContainer(id);
      const query = {
        stdout: true,
        stderr: true,
        timestamps: true,
        ...(logOptions.since ? { since: sinceParam(logOptions.since) } : {}),
        ...(logOptions.tail !== undefined ? { tail: logOptions.tail } : {}),
      };
      if (!logOptions.follow) {
        const buffer = await container.logs({ ...query, follow: false }) as unknown as Uint8Array;
        return (async function* () {
          yield buffer;
        })();
      }
      const stream = await container.logs({ ...query, follow: true });
      return nodeStreamChunks(
        stream as NodeJS.ReadableStream & { destroy(): void },
        logOptions.signal,
      );
    },

    async *containerEvents(signal: AbortSignal): AsyncGenerator<EngineContainerEvent> {
      const stream = await docker.getEvents({
        filters: { type: ["container"], event: [...watchedEvents] },
      });
      const decoder = new TextDecoder();
      let pending = "";
      for await (
        const chunk of nodeStreamChunks(
          stream as NodeJS.ReadableStream & { destroy(): void },
          signal,
        )
      ) {
        pending += decoder.decode(chunk, { stream: true });
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          if (line.trim() === "") continue;
          const event = JSON.parse(line) as { id?: string; Action?: string; status?: string };
          const action = event.Action ?? event.status ?? "";
          if (event.id) yield { containerId: event.id, action };
        }
      }
    },
  };
}

/**
 * The container events worth an immediate health poll: the container ended (`die`, `oom`) or
 * its healthcheck changed verdict. Docker's filter matches `health_status` against every
 * `health_status: <verdict>` action.
 */
const watchedEvents = ["die", "oom", "health_status"] as const;
