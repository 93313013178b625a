/**
 * A rig's footprint on the machine and how to remove it. Everything a rig
 * creates hangs off two places: its state directory (namespace files,
 * per-host /run, docker data, logs) and its cgroup subtrees. `rig.json`,
 * written before anything else is created, records the owner process and the
 * cgroup roots, so a later run can tear down what a crashed run left behind.
 */

import { cgroupPids, existingCgroups, killCgroupProcesses, removeCgroups } from "./_cgroup.ts";
import { isAlive, RigError, run, signalPid, startTimeOf } from "./_exec.ts";

/** Where rigs keep their state unless told otherwise. */
export const DEFAULT_STATE_ROOT = "/var/lib/jaco-rig";

/** Contents of `<state dir>/rig.json`. */
export interface RigRecord {
  id: string;
  ownerPid: number;
  ownerStartTime: string;
  cgroupRoots: string[];
  createdAt: string;
}

/** A fresh rig id: `<name>-<owner pid>-<random>`, unique per rig instance. */
export function newRigId(name: string, pid: number, random: () => number): string {
  if (!/^[a-z0-9][a-z0-9-]{0,19}$/.test(name)) {
    throw new RigError(`rig name ${JSON.stringify(name)} must match [a-z0-9][a-z0-9-]{0,19}`);
  }
  const suffix = Math.floor(random() * 0x10000).toString(16).padStart(4, "0");
  return `${name}-${pid}-${suffix}`;
}

/** The owner PID encoded in a rig id, if it has the expected shape. */
export function ownerPidOf(id: string): number | undefined {
  const match = /-(\d+)-[0-9a-f]{4}$/.exec(id);
  return match ? Number(match[1]) : undefined;
}

/** Whether the process that created `record` is still the same live process. */
export function ownerAlive(record: Pick<RigRecord, "ownerPid" | "ownerStartTime">): boolean {
  return isAlive(record.ownerPid) && startTimeOf(record.ownerPid) === record.ownerStartTime;
}

/** Mount points at or below `dir` in the root mount namespace, deepest first. */
function mountsUnder(dir: string): string[] {
  const points: string[] = [];
  for (const line of Deno.readTextFileSync("/proc/self/mountinfo").split("\n")) {
    const point = line.split(" ")[4];
    if (point === dir || point?.startsWith(`${dir}/`)) points.push(point);
  }
  return points.sort((a, b) => b.length - a.length);
}

/** Namespace inodes (`net:[N]` style links) pinned by the ns files mounted under `dir`. */
function namespaceLinks(dir: string): string[] {
  const links: string[] = [];
  for (const point of mountsUnder(dir)) {
    const kind = /\.(net|mnt|uts)$/.exec(point)?.[1];
    if (kind) links.push(`${kind}:[${Deno.statSync(point).ino}]`);
  }
  return links;
}

/** PIDs of processes that live in any of the namespaces in `links`. */
function processesInNamespaces(links: string[]): number[] {
  if (links.length === 0) return [];
  const wanted = new Set(links);
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    for (const kind of ["net", "mnt", "uts"]) {
      try {
        if (wanted.has(Deno.readLinkSync(`/proc/${entry.name}/ns/${kind}`))) {
          pids.push(Number(entry.name));
          break;
        }
      } catch {
        // The process exited while we looked, or is a kernel thread: not ours.
      }
    }
  }
  return pids;
}

function readRecord(stateDir: string): RigRecord | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(`${stateDir}/rig.json`));
  } catch {
    // Not written yet (or the directory is gone): callers fall back to the id.
    return undefined;
  }
}

/**
 * Tears down the rig whose state lives in `stateDir`: kills its processes
 * (by PID, from its cgroups and from its namespaces), unmounts its namespace
 * files and per-host mounts, removes its cgroups and deletes the directory.
 * Removing the last namespace reference deletes the veths and the bridge.
 *
 * @throws {RigError} when something cannot be removed
 */
export async function teardown(stateDir: string, cgroupRoots: string[]): Promise<void> {
  // While the namespace files are still mounted their inode numbers cannot be
  // reused, so matching processes by namespace inode is exact here.
  const links = namespaceLinks(stateDir);
  for (let round = 1;; round++) {
    await killCgroupProcesses(cgroupRoots);
    const strays = processesInNamespaces(links);
    if (strays.length === 0) break;
    if (round === 5) {
      throw new RigError(`processes ${strays.join(", ")} stay in the namespaces of ${stateDir}`);
    }
    for (const pid of strays) signalPid(pid, "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const point of mountsUnder(stateDir)) {
    if ((await run(["umount", point])).code === 0) continue;
    // Busy (detach lazily) or already gone (a concurrent teardown got there first).
    if (mountsUnder(point).includes(point)) await run(["umount", "-l", point], { check: true });
  }
  await removeCgroups(cgroupRoots);
  await Deno.remove(stateDir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new RigError(`cannot remove rig state ${stateDir}`, { cause: error });
    }
  });
}

/**
 * Tears down every rig under `stateRoot` whose owner process is gone
 * (crashed or killed test runs). Rigs of live processes, including other
 * test files running in parallel, are left alone.
 *
 * @returns the ids of the rigs removed
 */
export async function sweepStaleRigs(stateRoot: string): Promise<string[]> {
  const swept: string[] = [];
  await Deno.mkdir(stateRoot, { recursive: true });
  // One sweeper at a time across processes; the kernel drops the lock if its holder dies.
  using lock = await Deno.open(`${stateRoot}/.sweep.lock`, { create: true, write: true });
  await lock.lock(true);
  for (const entry of [...Deno.readDirSync(stateRoot)]) {
    if (!entry.isDirectory) continue;
    const stateDir = `${stateRoot}/${entry.name}`;
    const record = readRecord(stateDir);
    const live = record ? ownerAlive(record) : isAlive(ownerPidOf(entry.name) ?? 0);
    if (live) continue;
    await teardown(stateDir, record?.cgroupRoots ?? []);
    swept.push(entry.name);
  }
  return swept;
}

/**
 * Everything of a rig still present on the machine, as human-readable lines
 * (empty when the rig is fully gone). Processes are looked up by namespace
 * only while the namespace files are still mounted: once they are not (and
 * teardown saw no process inside), the namespaces are gone and their inode
 * numbers may already belong to someone else's new namespaces.
 */
export function leftoversOf(stateDir: string, cgroupRoots: string[]): string[] {
  const found: string[] = [];
  try {
    Deno.statSync(stateDir);
    found.push(`state directory ${stateDir}`);
  } catch {
    // Gone, as it should be.
  }
  for (const point of mountsUnder(stateDir)) found.push(`mount ${point}`);
  for (const dir of existingCgroups(cgroupRoots)) {
    const pids = cgroupPids([dir]);
    found.push(`cgroup ${dir}${pids.length ? ` with processes ${pids.join(", ")}` : ""}`);
  }
  for (const pid of processesInNamespaces(namespaceLinks(stateDir))) {
    found.push(`process ${pid} in a rig namespace`);
  }
  return found;
}
