/**
 * One dockerd per simulated host. It runs inside the host's namespaces with
 * every path of its own (data root, exec root, pid file, socket under the
 * per-host /run, a config file so /etc/docker/daemon.json is not read) and
 * starts its own containerd, whose state lands under the per-host /run too.
 */

import { run } from "./_exec.ts";

/** Paths and settings of one host's dockerd. */
export interface DockerdConfig {
  /** Per-host directory in the root namespace (`<state>/hosts/<name>`). */
  hostDir: string;
  /** Default bridge address with prefix, distinct per host (e.g. `172.29.1.1/24`). */
  bridgeCidr: string;
  storageDriver: StorageDriver;
}

/** Storage drivers the rig uses: overlay2, or vfs where overlayfs does not mount. */
export type StorageDriver = "overlay2" | "vfs";

/** dockerd's argv for `config`; paths under /run are the host's own /run. */
export function dockerdArgs(config: DockerdConfig): string[] {
  return [
    "dockerd",
    `--config-file=${config.hostDir}/etc/docker.json`,
    `--data-root=${config.hostDir}/docker`,
    "--exec-root=/run/docker",
    "--pidfile=/run/docker.pid",
    "--host=unix:///run/docker.sock",
    `--bip=${config.bridgeCidr}`,
    // Relative: containers land below dockerd's own (per-host) cgroup, so
    // teardown finds them there.
    "--cgroup-parent=docker",
    `--storage-driver=${config.storageDriver}`,
  ];
}

/** Pid files dockerd and its containerd refuse to start over; see {@linkcode removeStalePidFiles}. */
export function pidFiles(hostDir: string): string[] {
  return [`${hostDir}/run/docker.pid`, `${hostDir}/run/docker/containerd/containerd.pid`];
}

/**
 * Deletes pid files whose process is gone (left by a `kill -9`), so dockerd
 * restarts; a containerd that survived its dockerd keeps its file and is
 * adopted by the next dockerd.
 */
export async function removeStalePidFiles(
  hostDir: string,
  isAlive: (pid: number) => boolean,
): Promise<void> {
  for (const file of pidFiles(hostDir)) {
    let pid: number;
    try {
      pid = Number((await Deno.readTextFile(file)).trim());
    } catch {
      // No pid file: nothing stale.
      continue;
    }
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) await Deno.remove(file);
  }
}

/**
 * Whether the Docker API answers `GET /_ping` on `socketPath` within
 * `timeoutMs` (a raw HTTP/1.0 request, so no client library is needed).
 */
export async function pingDocker(socketPath: string, timeoutMs = 1_000): Promise<boolean> {
  let conn: Deno.UnixConn | undefined;
  const timer = setTimeout(() => conn?.close(), timeoutMs);
  try {
    conn = await Deno.connect({ transport: "unix", path: socketPath });
    await conn.write(new TextEncoder().encode("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"));
    const buffer = new Uint8Array(256);
    const read = await conn.read(buffer);
    return read !== null &&
      /^HTTP\/1\.\d 200/.test(new TextDecoder().decode(buffer.slice(0, read)));
  } catch {
    // Missing socket, refused connection or timeout all mean "not answering".
    return false;
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch {
      // Already closed by the timeout.
    }
  }
}

let probedDriver: Promise<StorageDriver> | undefined;

/**
 * overlay2 when an overlay mount works in `scratchDir` (same filesystem as
 * the data roots), vfs otherwise. Probed once per process, in a throwaway
 * mount namespace.
 */
export function storageDriverFor(scratchDir: string): Promise<StorageDriver> {
  probedDriver ??= (async () => {
    await Deno.mkdir(scratchDir, { recursive: true });
    const result = await run([
      "unshare",
      "--mount",
      "sh",
      "-ec",
      `cd "$1"; mkdir -p lower upper work merged
mount -t overlay overlay -o lowerdir=lower,upperdir=upper,workdir=work merged`,
      "sh",
      scratchDir,
    ]);
    await Deno.remove(scratchDir, { recursive: true });
    return result.code === 0 ? "overlay2" : "vfs";
  })();
  return probedDriver;
}
