/**
 * A rig: N simulated hosts on one private L2 segment, each optionally with
 * its own dockerd and the busybox test image. See README.md for what is
 * isolated and how.
 */

import { createCgroup, rigCgroupRoots } from "./_cgroup.ts";
import { RigError, run, startTimeOf } from "./_exec.ts";
import {
  connectHost,
  createHostNamespaces,
  createSwitch,
  type HostNamespaces,
  prepareNamespaceDir,
} from "./_namespaces.ts";
import { storageDriverFor } from "./_docker.ts";
import {
  DEFAULT_STATE_ROOT,
  leftoversOf,
  newRigId,
  type RigRecord,
  sweepStaleRigs,
  teardown,
} from "./_state.ts";
import { RigHost } from "./host.ts";
import { rigSupport } from "./support.ts";
import { DEFAULT_IMAGE_CACHE, installTestImage } from "./test_image.ts";
import { waitFor, type WaitForOptions } from "./wait_for.ts";

/** Options for {@linkcode Rig.create}. */
export interface RigOptions {
  /** Number of hosts, 1–200. */
  hosts: number;
  /** Short name, part of the rig id and of default host names; default `rig`. */
  name?: string;
  /** Start one dockerd per host (and load the test image); default false. */
  docker?: boolean;
  /** With `docker`, load the busybox test image into every host; default true. */
  image?: boolean;
  /** Host names (hostnames inside the hosts); default `<name>-n1`, `<name>-n2`, … */
  hostNames?: string[];
  /** Third octet of the segment 10.231.X.0/24; default random (segments never meet anyway). */
  subnetOctet?: number;
  /** Where rigs keep their state; default /var/lib/jaco-rig. */
  stateRoot?: string;
  /** Where the saved test image is cached; default /var/cache/jaco-test. */
  imageCacheDir?: string;
}

/** Name of the bridge-family nftables table in the switch that implements partitions. */
const PARTITION_TABLE = "rig_partition";

/** A set of simulated hosts; create with {@linkcode Rig.create}, always {@linkcode Rig.close}. */
export class Rig {
  /** Unique id of this rig instance (`<name>-<pid>-<random>`). */
  readonly id: string;
  /** The rig's hosts, in creation order. */
  readonly hosts: RigHost[] = [];
  /** The test segment, e.g. `10.231.7.0/24`; used only inside the rig's namespaces. */
  readonly subnet: string;
  /** The switch's address: hosts' default gateway (which rejects everything) and their dead DNS server. */
  readonly gateway: string;
  /** Root-namespace directory holding all of the rig's state. */
  readonly stateDir: string;
  readonly #cgroupRoots: string[];
  readonly #switchNet: string;
  #closing: Promise<void> | undefined;
  #imageId: string | undefined;

  private constructor(id: string, stateDir: string, octet: number, cgroupRoots: string[]) {
    this.id = id;
    this.stateDir = stateDir;
    this.subnet = `10.231.${octet}.0/24`;
    this.gateway = `10.231.${octet}.254`;
    this.#cgroupRoots = cgroupRoots;
    this.#switchNet = `${stateDir}/ns/switch.net`;
  }

  /**
   * Builds a rig, first sweeping away rigs left by dead processes. On any
   * failure everything built so far is torn down before the error is thrown.
   *
   * @throws {RigError} when the machine cannot run rigs (see `rigSupport()`) or a step fails
   * @example
   * await using rig = await Rig.create({ hosts: 3, docker: true, name: "t1" });
   * const { stdout } = await rig.hosts[1].exec(["hostname"], { check: true });
   */
  static async create(options: RigOptions): Promise<Rig> {
    const support = rigSupport({ docker: options.docker });
    if (!support.ok) throw new RigError(`cannot create a rig: ${support.reason}`);
    if (!Number.isInteger(options.hosts) || options.hosts < 1 || options.hosts > 200) {
      throw new RigError(`hosts must be an integer from 1 to 200, not ${options.hosts}`);
    }
    const name = options.name ?? "rig";
    const hostNames = options.hostNames ??
      Array.from({ length: options.hosts }, (_, i) => `${name}-n${i + 1}`);
    if (hostNames.length !== options.hosts || new Set(hostNames).size !== options.hosts) {
      throw new RigError(`hostNames must hold ${options.hosts} distinct names`);
    }
    for (const hostName of hostNames) {
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(hostName)) {
        throw new RigError(`host name ${JSON.stringify(hostName)} is not a valid hostname`);
      }
    }
    const octet = options.subnetOctet ?? Math.floor(Math.random() * 256);
    if (!Number.isInteger(octet) || octet < 0 || octet > 255) {
      throw new RigError(`subnetOctet must be an integer from 0 to 255, not ${octet}`);
    }
    const stateRoot = options.stateRoot ?? DEFAULT_STATE_ROOT;
    await sweepStaleRigs(stateRoot);

    const id = newRigId(name, Deno.pid, Math.random);
    const stateDir = `${stateRoot}/${id}`;
    const cgroupRoots = rigCgroupRoots(id);
    const record: RigRecord = {
      id,
      ownerPid: Deno.pid,
      ownerStartTime: startTimeOf(Deno.pid) ?? "",
      cgroupRoots,
      createdAt: new Date().toISOString(),
    };
    await Deno.mkdir(stateDir, { recursive: true });
    await Deno.writeTextFile(`${stateDir}/rig.json`, JSON.stringify(record, null, 2));
    const rig = new Rig(id, stateDir, octet, cgroupRoots);
    try {
      await rig.#build(hostNames, stateRoot);
      if (options.docker) {
        await Promise.all(rig.hosts.map((host) => host.startDocker()));
        if (options.image ?? true) {
          rig.#imageId = await installTestImage(
            rig.hosts,
            options.imageCacheDir ?? DEFAULT_IMAGE_CACHE,
          );
        }
      }
    } catch (error) {
      await rig.close().catch((closeError) => {
        throw new AggregateError([error, closeError], `rig ${id} failed and left debris`);
      });
      throw error;
    }
    return rig;
  }

  /** Id of the test image (identical on every host), when it was loaded. */
  get imageId(): string | undefined {
    return this.#imageId;
  }

  async #build(hostNames: string[], stateRoot: string): Promise<void> {
    await prepareNamespaceDir(`${this.stateDir}/ns`);
    await createSwitch(this.#switchNet, this.gateway);
    const prefix = this.gateway.slice(0, this.gateway.lastIndexOf("."));
    const addresses = hostNames.map((_, i) => `${prefix}.${i + 1}`);
    const hostsFile = [
      "127.0.0.1\tlocalhost",
      "::1\tlocalhost ip6-localhost ip6-loopback",
      ...hostNames.map((hostName, i) => `${addresses[i]}\t${hostName}`),
      "",
    ].join("\n");
    const storageDriver = await storageDriverFor(`${this.stateDir}/overlay-probe`);
    for (const [index, hostName] of hostNames.entries()) {
      const dir = `${this.stateDir}/hosts/${hostName}`;
      for (const sub of ["run/lock", "etc", "data", "docker", "log", ".sys"]) {
        await Deno.mkdir(`${dir}/${sub}`, { recursive: true });
      }
      await Deno.writeTextFile(`${dir}/etc/hosts`, hostsFile);
      await Deno.writeTextFile(`${dir}/etc/hostname`, `${hostName}\n`);
      // Nothing listens on the switch address: lookups fail at once (port unreachable).
      await Deno.writeTextFile(`${dir}/etc/resolv.conf`, `nameserver ${this.gateway}\n`);
      await Deno.writeTextFile(`${dir}/etc/docker.json`, "{}\n");
      const ns: HostNamespaces = {
        net: `${this.stateDir}/ns/${hostName}.net`,
        mnt: `${this.stateDir}/ns/${hostName}.mnt`,
        uts: `${this.stateDir}/ns/${hostName}.uts`,
      };
      await createHostNamespaces({ ns, hostName, hostDir: dir, stateRoot });
      const cgroups = await createCgroup(this.#cgroupRoots, hostName);
      await connectHost({
        hostNet: ns.net,
        switchNet: this.#switchNet,
        port: portOf(index),
        address: addresses[index],
        gateway: this.gateway,
      });
      this.hosts.push(
        new RigHost({
          name: hostName,
          index,
          address: addresses[index],
          namespaces: ns,
          dir,
          cgroups,
          bridgeCidr: `172.29.${index + 1}.1/24`,
          storageDriver,
        }),
      );
    }
  }

  /**
   * Polls `condition` until it returns a truthy value (see `waitFor()`).
   *
   * @throws {WaitTimeoutError} naming `what` when time runs out
   */
  waitFor<T>(condition: () => T | Promise<T>, options: WaitForOptions): Promise<NonNullable<T>> {
    return waitFor(condition, options);
  }

  /**
   * Cuts the segment between hosts `a` and `b` (both directions) at the
   * switch; other pairs are unaffected. Undo with {@linkcode heal}.
   *
   * @throws {RigError} when nft fails (e.g. not installed)
   */
  async partition(a: RigHost, b: RigHost): Promise<void> {
    const [pa, pb] = [portOf(a.index), portOf(b.index)];
    await this.#nft([
      `table bridge ${PARTITION_TABLE} {`,
      "  chain forward { type filter hook forward priority 0; policy accept; }",
      "}",
      `add rule bridge ${PARTITION_TABLE} forward iifname "${pa}" oifname "${pb}" drop`,
      `add rule bridge ${PARTITION_TABLE} forward iifname "${pb}" oifname "${pa}" drop`,
    ]);
  }

  /** Removes every partition made with {@linkcode partition}. */
  async heal(): Promise<void> {
    // Declaring the table first makes the delete succeed when none exists.
    await this.#nft([`table bridge ${PARTITION_TABLE}`, `delete table bridge ${PARTITION_TABLE}`]);
  }

  async #nft(lines: string[]): Promise<void> {
    await run(["nsenter", `--net=${this.#switchNet}`, "nft", "-f", "-"], {
      stdin: lines.join("\n") + "\n",
      check: true,
    });
  }

  /** What of this rig is still on the machine (empty once closed). */
  leftovers(): string[] {
    return leftoversOf(this.stateDir, this.#cgroupRoots);
  }

  /**
   * Tears everything down: kills every process of every host by PID (from
   * the cgroups and the namespaces), removes namespaces (and so the veths
   * and the bridge), mounts, cgroups and data. Idempotent; safe after a
   * failed test or a half-built rig.
   *
   * @throws {RigError} when anything is left behind
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await teardown(this.stateDir, this.#cgroupRoots);
      await Promise.all(this.hosts.map((host) => host.reap()));
      const left = this.leftovers();
      if (left.length > 0) throw new RigError(`rig ${this.id} left: ${left.join("; ")}`);
    })();
    return this.#closing;
  }

  /** `await using rig = await Rig.create(…)` closes the rig on scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Switch-side veth name of the host at `index`. */
function portOf(index: number): string {
  return `p${index + 1}`;
}
