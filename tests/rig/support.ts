/**
 * Whether this machine can run a rig. Tests gate on it and print the reason
 * when they skip, so a skip is never silent and never hides a real failure:
 * it is reported only when a capability is truly missing.
 */

/** Result of {@linkcode rigSupport}. */
export type RigSupport = { ok: true } | { ok: false; reason: string };

const BASE_TOOLS = ["ip", "nsenter", "unshare", "mount", "umount", "sh", "awk", "sysctl"];
const DOCKER_TOOLS = ["dockerd", "containerd", "docker", "runc", "tar"];

function onPath(tool: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${tool}`).isFile) return true;
    } catch {
      // Not in this PATH entry; try the next.
    }
  }
  return false;
}

/** What {@linkcode rigSupport} should check beyond the namespace basics. */
export interface RigSupportOptions {
  /** dockerd, containerd, runc, the Docker CLI and Debian's static busybox. */
  docker?: boolean;
  /** Further programs the caller runs in hosts (e.g. `nft`, `wireguard-go`, `caddy`). */
  tools?: string[];
}

/**
 * Checks for root, the namespace tools, a mounted cgroup hierarchy, the
 * ability to create namespaces, and whatever `options` add.
 *
 * @example
 * const support = rigSupport({ docker: true });
 * if (!support.ok) console.log(`rig tests skipped: ${support.reason}`);
 * Deno.test({ name: "…", ignore: !support.ok, fn: async () => {} });
 */
export function rigSupport(options: RigSupportOptions = {}): RigSupport {
  if (Deno.build.os !== "linux") return { ok: false, reason: `needs Linux, not ${Deno.build.os}` };
  if (Deno.uid() !== 0) return { ok: false, reason: `needs root (uid is ${Deno.uid()})` };
  const tools = [...BASE_TOOLS, ...(options.docker ? DOCKER_TOOLS : []), ...(options.tools ?? [])];
  const missing = tools.filter((tool) => !onPath(tool));
  if (missing.length > 0) return { ok: false, reason: `missing on PATH: ${missing.join(", ")}` };
  if (!/ - cgroup2? /.test(Deno.readTextFileSync("/proc/self/mountinfo"))) {
    return { ok: false, reason: "no cgroup hierarchy is mounted" };
  }
  const probe = new Deno.Command("unshare", {
    args: ["--net", "--mount", "--uts", "true"],
    stdout: "null",
    stderr: "piped",
  }).outputSync();
  if (!probe.success) {
    const stderr = new TextDecoder().decode(probe.stderr).trim();
    return { ok: false, reason: `cannot create namespaces: ${stderr}` };
  }
  if (options.docker) {
    try {
      Deno.statSync("/bin/busybox");
    } catch {
      return { ok: false, reason: "/bin/busybox missing (install busybox-static)" };
    }
  }
  return { ok: true };
}
