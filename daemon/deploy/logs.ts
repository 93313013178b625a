/**
 * `Deploy.Logs` and `Internal.Logs` (rpc.md §1.2, §1.7; cli.md `jaco logs`): the entry node
 * streams its own replicas' container logs through the injected runtime reader and asks every
 * other host holding a replica of the scope over `Internal.Logs` (mutual TLS), merging lines by
 * arrival; per-replica order is preserved.
 *
 * Decisions where the spec is silent or the reference differs:
 * - Unknown deployment → `deployment_not_found`; a service the deployment does not define →
 *   `unknown_service` (the reference streamed nothing).
 * - A replica's host is its observed host, else its scheduled host; replicas without a
 *   container id yet have no logs and are skipped.
 * - A failing source (peer unreachable, runtime error) ends the whole stream with its error
 *   (`logs_stream`, details name the host) instead of silently dropping that host's lines.
 * - A node without a container runtime answers `logs_unavailable`.
 *
 * @module
 */
import type { LogLine, LogsRequest, ReplicaDesired } from "../../proto/mod.ts";
import { isJacoError, JacoError } from "../../proto/errors.ts";
import type { StateView } from "../../state/mod.ts";

/** One line as the container runtime reports it. */
export interface RuntimeLogLine {
  /** `stdout` or `stderr`. */
  stream: "stdout" | "stderr";
  /** The line without its trailing newline. */
  line: string;
  /** Engine timestamp, when known. */
  ts?: Date;
}

/** Options of one container log read. */
export interface ContainerLogOptions {
  /** Keep streaming new lines. */
  follow: boolean;
  /** Only lines newer than now - sinceSeconds, when > 0. */
  sinceSeconds: number;
  /** Only the last N lines of history; 0 = all. */
  tail: number;
  /** Ends the read. */
  signal: AbortSignal;
}

/** Reads one local container's logs (runtime/mod.ts provides the real one). */
export type ContainerLogReader = (
  containerId: string,
  options: ContainerLogOptions,
) => AsyncIterable<RuntimeLogLine>;

/** Streams `Internal.Logs` from the peer at `address`. */
export type PeerLogs = (
  address: string,
  request: LogsRequest,
  signal: AbortSignal,
) => AsyncIterable<LogLine>;

/** What the log handlers need. */
export interface LogsDeps {
  /** This node's hostname. */
  self: string;
  /** Applied state. */
  view: () => StateView;
  /** Local container logs; undefined when this node has no runtime. */
  readLogs?: ContainerLogReader;
  /** The peer call. */
  peerLogs: PeerLogs;
}

/**
 * `Deploy.Logs`: this node's replicas plus every other host's, merged by arrival.
 *
 * @throws {JacoError} `validation_failed`, `deployment_not_found`, `unknown_service`,
 *   `logs_unavailable`, `logs_stream`
 */
export async function* deployLogs(
  request: LogsRequest,
  signal: AbortSignal,
  deps: LogsDeps,
): AsyncGenerator<LogLine> {
  const view = deps.view();
  const replicas = replicasInScope(view, request);
  const hosts = new Set(replicas.map((replica) => replica.host));
  const sources: AsyncIterable<LogLine>[] = [];
  for (const host of [...hosts].sort()) {
    if (host === deps.self) {
      sources.push(localLogs(request, signal, deps));
      continue;
    }
    const address = view.node(host)?.grpcAddress;
    if (!address) {
      throw new JacoError("logs_stream", `node "${host}" has no published gRPC address`, {
        host,
      });
    }
    sources.push(
      labelled(host, deps.peerLogs(address, { ...request, replicaId: request.replicaId }, signal)),
    );
  }
  yield* mergeByArrival(sources);
}

/**
 * `Internal.Logs`: this node's replicas of the request's scope only.
 *
 * @throws {JacoError} as {@link deployLogs}, for local sources only
 */
export function internalLogs(
  request: LogsRequest,
  signal: AbortSignal,
  deps: LogsDeps,
): AsyncIterable<LogLine> {
  replicasInScope(deps.view(), request);
  return localLogs(request, signal, deps);
}

async function* localLogs(
  request: LogsRequest,
  signal: AbortSignal,
  deps: LogsDeps,
): AsyncGenerator<LogLine> {
  const view = deps.view();
  const mine = replicasInScope(view, request).filter((replica) => replica.host === deps.self);
  const reader = deps.readLogs;
  if (mine.length > 0 && !reader) {
    throw new JacoError("logs_unavailable", `node "${deps.self}" has no container runtime`, {
      host: deps.self,
    });
  }
  const sources = mine.flatMap((replica) => {
    const containerId = view.replicaObserved(replica.id)?.containerId;
    if (!containerId || !reader) return [];
    return [containerLines(replica.id, deps.self, containerId, reader, {
      follow: request.follow,
      sinceSeconds: Number(request.sinceSeconds),
      tail: request.tail,
      signal,
    })];
  });
  yield* mergeByArrival(sources);
}

async function* containerLines(
  replicaId: string,
  host: string,
  containerId: string,
  reader: ContainerLogReader,
  options: ContainerLogOptions,
): AsyncGenerator<LogLine> {
  try {
    for await (const entry of reader(containerId, options)) {
      yield { replicaId, host, stream: entry.stream, ts: entry.ts, line: entry.line };
    }
  } catch (error) {
    if (options.signal.aborted) return;
    throw streamError(host, error);
  }
}

async function* labelled(host: string, source: AsyncIterable<LogLine>): AsyncGenerator<LogLine> {
  try {
    yield* source;
  } catch (error) {
    throw streamError(host, error);
  }
}

function streamError(host: string, error: unknown): JacoError {
  if (isJacoError(error) && error.code !== "internal") return error;
  return new JacoError(
    "logs_stream",
    `logs from node "${host}" failed: ${(error as Error).message}`,
    { host },
  );
}

/** Desired replicas of the request's scope, each with its effective host. */
function replicasInScope(view: StateView, request: LogsRequest): ReplicaDesired[] {
  if (request.deployment === "") throw new JacoError("validation_failed", "deployment is required");
  const deployment = view.deployment(request.deployment);
  if (!deployment) {
    throw new JacoError("deployment_not_found", `deployment "${request.deployment}" not found`, {
      deployment: request.deployment,
    });
  }
  if (request.service && !deployment.services.some((spec) => spec.name === request.service)) {
    throw new JacoError(
      "unknown_service",
      `deployment "${request.deployment}" has no service "${request.service}"`,
      { deployment: request.deployment, service: request.service },
    );
  }
  return view.replicasDesired({
    deployment: request.deployment,
    service: request.service || undefined,
  })
    .filter((replica) => !request.replicaId || replica.id === request.replicaId)
    .map((replica) => ({
      ...replica,
      host: view.replicaObserved(replica.id)?.host || replica.host,
    }));
}

/**
 * Interleaves `sources` by arrival; each source's order is kept. The first failure ends the
 * merge (the other sources are closed) and is rethrown.
 */
export async function* mergeByArrival<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<T> }>>();
  const pull = (index: number) => {
    const next = iterators[index].next().then((result) => ({ index, result }));
    next.catch(() => undefined); // a source failing after the merge ended must not go unhandled
    pending.set(index, next);
  };
  iterators.forEach((_, index) => pull(index));
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      pull(index);
      yield result.value;
    }
  } finally {
    for (const index of pending.keys()) {
      // Closing a generator that is awaiting is queued by the runtime; do not wait for it.
      iterators[index].return?.(undefined)?.catch?.(() => undefined);
    }
  }
}
