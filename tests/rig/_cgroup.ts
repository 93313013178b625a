/**
 * Per-host cgroup subtrees. Every process of a simulated host is moved into
 * `<own cgroup>/jaco-rig-<id>/<host>` in every mounted hierarchy before it
 * execs, and dockerd gets a relative `--cgroup-parent`, so containers land
 * below that too. Teardown then finds every process by PID from the cgroup
 * files, never by name. The subtree hangs below the rig process's own cgroup
 * in each hierarchy so limits the caller runs under still apply.
 */

import { RigError, signalPid } from "./_exec.ts";

/** One mounted cgroup hierarchy (v1 controller set or the v2 unified tree). */
interface Hierarchy {
  mountPoint: string;
  /** Superblock options (v1: controller names such as `memory`, `name=systemd`). */
  options: string[];
  version: 1 | 2;
}

function mountedHierarchies(): Hierarchy[] {
  const found: Hierarchy[] = [];
  for (const line of Deno.readTextFileSync("/proc/self/mountinfo").split("\n")) {
    const [left, right] = line.split(" - ");
    if (!right) continue;
    const [fsType, , superOptions] = right.split(" ");
    if (fsType !== "cgroup" && fsType !== "cgroup2") continue;
    const mountPoint = left.split(" ")[4];
    if (found.some((h) => h.mountPoint === mountPoint)) continue;
    found.push({
      mountPoint,
      options: superOptions.split(","),
      version: fsType === "cgroup2" ? 2 : 1,
    });
  }
  return found;
}

/** The rig process's own cgroup path in `hierarchy`, from /proc/self/cgroup. */
function ownPath(hierarchy: Hierarchy, selfCgroup: string[]): string {
  for (const line of selfCgroup) {
    const [id, controllers, ...rest] = line.split(":");
    const path = rest.join(":");
    if (hierarchy.version === 2 && id === "0" && controllers === "") return path;
    if (
      hierarchy.version === 1 && controllers !== "" &&
      controllers.split(",").every((c) => hierarchy.options.includes(c))
    ) return path;
  }
  return "/";
}

/**
 * Absolute directories of rig `id`'s cgroup subtree, one per mounted
 * hierarchy (they need not exist yet).
 */
export function rigCgroupRoots(id: string): string[] {
  const selfCgroup = Deno.readTextFileSync("/proc/self/cgroup").trim().split("\n");
  return mountedHierarchies().map((h) => {
    const own = ownPath(h, selfCgroup).replace(/\/$/, "");
    return `${h.mountPoint}${own}/jaco-rig-${id}`;
  });
}

/**
 * Creates `<root>/<relative>` in every hierarchy and returns the leaf
 * directories. cpuset cgroups start with empty cpus/mems, which would refuse
 * any process, so each new cpuset level copies its parent's values.
 *
 * @throws {RigError} when a directory cannot be created
 */
export async function createCgroup(roots: string[], relative: string): Promise<string[]> {
  const leaves: string[] = [];
  for (const root of roots) {
    let dir = root;
    const levels = [root];
    for (const part of relative.split("/").filter((p) => p)) levels.push(dir = `${dir}/${part}`);
    for (const level of levels) {
      if (exists(level)) continue;
      try {
        await Deno.mkdir(level);
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) {
          throw new RigError(`cannot create cgroup ${level}`, { cause: error });
        }
      }
      const parent = level.slice(0, level.lastIndexOf("/"));
      for (const file of ["cpuset.cpus", "cpuset.mems"]) {
        if (!exists(`${level}/${file}`)) continue;
        await Deno.writeTextFile(`${level}/${file}`, await Deno.readTextFile(`${parent}/${file}`));
      }
    }
    leaves.push(dir);
  }
  return leaves;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    // Missing (or unreadable, which for cgroupfs means missing).
    return false;
  }
}

/** All directories of the trees under `roots`, children before parents. */
function walkDepthFirst(roots: string[]): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      // Removed concurrently or never created: nothing below it.
      return;
    }
    for (const entry of entries) if (entry.isDirectory) visit(`${dir}/${entry.name}`);
    out.push(dir);
  };
  roots.forEach(visit);
  return out;
}

/** PIDs of every process anywhere in the trees under `roots`. */
export function cgroupPids(roots: string[]): number[] {
  const pids = new Set<number>();
  for (const dir of walkDepthFirst(roots)) {
    let text = "";
    try {
      text = Deno.readTextFileSync(`${dir}/cgroup.procs`);
    } catch {
      // The cgroup vanished while walking; it holds no processes then.
      continue;
    }
    for (const line of text.split("\n")) if (line) pids.add(Number(line));
  }
  return [...pids];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SIGKILLs every process in the trees under `roots`, by PID, until none is
 * left (a process may fork while we read the list, hence the loop).
 *
 * @throws {RigError} when processes survive `timeoutMs`
 */
export async function killCgroupProcesses(roots: string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = cgroupPids(roots);
    if (pids.length === 0) return;
    if (Date.now() > deadline) {
      throw new RigError(`processes ${pids.join(", ")} survived SIGKILL in ${roots[0]}`);
    }
    for (const pid of pids) signalPid(pid, "SIGKILL");
    await sleep(20);
  }
}

/**
 * Removes the (process-free) trees under `roots`. A cgroup whose last task
 * is still exiting reports EBUSY for a moment, so removal is retried.
 *
 * @throws {RigError} when a cgroup stays busy past `timeoutMs`
 */
export async function removeCgroups(roots: string[], timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const dir of walkDepthFirst(roots)) {
    for (;;) {
      try {
        await Deno.remove(dir);
        break;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) break;
        if (Date.now() > deadline) {
          throw new RigError(`cannot remove cgroup ${dir}`, { cause: error });
        }
        await sleep(50);
      }
    }
  }
}

/** The roots (of `roots`) that still exist. */
export function existingCgroups(roots: string[]): string[] {
  return roots.filter(exists);
}
