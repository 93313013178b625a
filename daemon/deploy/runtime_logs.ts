/**
 * The {@link ContainerLogReader} of a real node: container logs from the local Docker engine
 * through `runtime/mod.ts` (`replicaLogs`), on the Docker socket the runtime agent uses. The
 * engine client is created on the first read, so a node without Docker pays nothing until a
 * log request actually targets one of its replicas (and then fails with that request).
 *
 * @module
 */
import { type ContainerEngine, dockerEngine, replicaLogs } from "../../runtime/mod.ts";
import { dockerSocketPath } from "../agent/mod.ts";
import type { ContainerLogReader } from "./logs.ts";

/**
 * A reader over `engine` (default: the local Docker engine, created lazily); `now` anchors
 * `since_seconds`.
 *
 * @example
 * ```ts
 * const readLogs = runtimeLogReader();
 * for await (const line of readLogs("0123abcd", { follow: false, sinceSeconds: 300, tail: 0, signal })) {}
 * ```
 */
export function runtimeLogReader(
  engine?: () => ContainerEngine,
  now: () => Date = () => new Date(),
): ContainerLogReader {
  let cached: ContainerEngine | undefined;
  const engineOf = engine ??
    (() => cached ??= dockerEngine({ socketPath: dockerSocketPath() }));
  return (containerId, options) =>
    replicaLogs(engineOf(), containerId, {
      follow: options.follow,
      since: options.sinceSeconds > 0
        ? new Date(now().getTime() - options.sinceSeconds * 1000)
        : undefined,
      tail: options.tail > 0 ? options.tail : undefined,
      signal: options.signal,
    });
}
