/**
 * Serving the local API on its unix socket (auth-and-config.md §4, without systemd socket
 * activation): the parent directory is created (0755), a stale socket file left by a dead daemon
 * is removed, the listener is bound and the socket chmod-ed to 0660 so group `jaco` can connect.
 *
 * Decisions: a path that answers a connection belongs to a live daemon and is never removed
 * (`SocketInUseError`); a path that is not a socket is never removed either (`NotASocketError`).
 * Group ownership (`jaco`) is left to the installer's unit/tmpfiles setup.
 *
 * @module
 */

import { shuttingDown } from "./status_errors.ts";

/** Raised when another process is already serving on the socket path. */
export class SocketInUseError extends Error {
  constructor(path: string) {
    super(`unix socket ${path} is in use by a running process`);
    this.name = "SocketInUseError";
  }
}

/** Raised when the socket path exists and is not a socket. */
export class NotASocketError extends Error {
  constructor(path: string) {
    super(`${path} exists and is not a unix socket; refusing to remove it`);
    this.name = "NotASocketError";
  }
}

/** A running local listener. */
export interface LocalServer {
  /** The socket path served. */
  readonly path: string;
  /**
   * Stops accepting, ends open streams with a retryable Unavailable error line, finishes
   * in-flight requests and removes the socket file.
   */
  shutdown(): Promise<void>;
}

async function removeStaleSocket(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (!info.isSocket) throw new NotASocketError(path);
  try {
    const probe = await Deno.connect({ transport: "unix", path });
    probe.close();
  } catch (error) {
    if (!(error instanceof Deno.errors.ConnectionRefused)) throw error;
    await Deno.remove(path);
    return;
  }
  throw new SocketInUseError(path);
}

function parentOf(path: string): string {
  const index = path.lastIndexOf("/");
  return index > 0 ? path.slice(0, index) : "/";
}

/**
 * Serves `app` on the unix socket at `socketPath`.
 *
 * @throws {SocketInUseError} when a live process answers on the path
 * @throws {NotASocketError} when the path is a regular file or directory
 * @example
 * ```ts
 * const server = await serveLocal(createLocalApp(dispatcher), "/run/jaco/jaco.sock");
 * await server.shutdown();
 * ```
 */
export async function serveLocal(
  app: { fetch(request: Request): Response | Promise<Response> },
  socketPath: string,
): Promise<LocalServer> {
  await Deno.mkdir(parentOf(socketPath), { recursive: true, mode: 0o755 });
  await removeStaleSocket(socketPath);
  const open = new Set<AbortController>();
  const server = Deno.serve({ path: socketPath, onListen() {} }, (request, info) => {
    // Deno's legacy request.signal also aborts once a response is returned, which would stop a
    // streaming handler right after its headers; the handler's signal instead follows the
    // delivery of the whole response (and aborts when the client goes away).
    const lifetime = new AbortController();
    open.add(lifetime);
    const done = () => {
      open.delete(lifetime);
      lifetime.abort();
    };
    info.completed.then(done, done);
    // Copying the parts (not `new Request(request, …)`) keeps Deno from touching the legacy
    // signal at all.
    return app.fetch(
      new Request(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: lifetime.signal,
      }),
    );
  });
  await Deno.chmod(socketPath, 0o660);
  return {
    path: socketPath,
    async shutdown() {
      // Follow streams never finish on their own; a graceful shutdown would wait forever.
      for (const lifetime of open) lifetime.abort(shuttingDown());
      await server.shutdown();
      await Deno.remove(socketPath).catch((error) => {
        // Someone (an operator, a test) already removed it: the goal is reached.
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    },
  };
}
