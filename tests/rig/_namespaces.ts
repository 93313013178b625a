/**
 * Builds the simulated hosts out of persistent namespaces. Each namespace is
 * pinned by a bind mount of its nsfs file under `<state dir>/ns` (a private
 * mount, which persisting a mount namespace requires), so no process has to
 * stay alive to keep a host around and `nsenter` can enter it at any time.
 *
 * Layout: a "switch" network namespace holds the segment's bridge `br0`
 * (plus the gateway and dead-DNS address `.254`); every host has its own
 * network, mount and UTS namespace and reaches the bridge through a veth
 * created directly inside the two namespaces, so no interface ever appears
 * in the root namespace.
 */

import { run } from "./_exec.ts";

/** Paths of one host's persistent namespace files. */
export interface HostNamespaces {
  net: string;
  mnt: string;
  uts: string;
}

/** `nsenter` argv prefix that runs a command inside a host. */
export function nsenterArgs(ns: HostNamespaces): string[] {
  return ["nsenter", `--net=${ns.net}`, `--mount=${ns.mnt}`, `--uts=${ns.uts}`, "--"];
}

/**
 * Prepares `nsDir` as a private self-bind mount: `unshare --mount=<file>`
 * refuses targets on shared mounts, and a private mount keeps the pins out
 * of other mount namespaces created later.
 */
export async function prepareNamespaceDir(nsDir: string): Promise<void> {
  await Deno.mkdir(nsDir, { recursive: true });
  await run(["mount", "--bind", nsDir, nsDir], { check: true });
  await run(["mount", "--make-private", nsDir], { check: true });
}

/**
 * Creates the switch namespace with bridge `br0` owning `gateway`/24. It
 * forwards nothing anywhere: its only route out is `unreachable`, so traffic
 * a host sends off-segment gets an immediate ICMP error instead of leaving
 * the machine or hanging. ICMP rate limiting is off so that failing DNS
 * lookups against `.254` (port unreachable) stay fast under load.
 */
export async function createSwitch(path: string, gateway: string): Promise<void> {
  await Deno.writeTextFile(path, "");
  await run(["unshare", `--net=${path}`, "true"], { check: true });
  await run(["nsenter", `--net=${path}`, "sh", "-ec", SWITCH_SCRIPT, "sh", gateway], {
    check: true,
  });
}

const SWITCH_SCRIPT = `
ip link set lo up
ip link add br0 type bridge
ip addr add "$1/24" dev br0
ip link set br0 up
ip route add unreachable default
sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0
`;

/** What {@linkcode createHostNamespaces} needs to know about a host. */
export interface HostSetup {
  ns: HostNamespaces;
  hostName: string;
  /** Per-host directory holding `run/`, `etc/` and the temporary `.sys` mount point. */
  hostDir: string;
  /** Root of all rigs' state; copies of its mounts are dropped from the host. */
  stateRoot: string;
}

/**
 * Creates a host's network, mount and UTS namespaces and, inside them, sets
 * the hostname, binds the per-host `/run`, `/etc/resolv.conf` and
 * `/etc/hosts`, and mounts a sysfs of the host's own network namespace (with
 * the cgroup mounts bound back, which dockerd needs).
 *
 * The new mount namespace starts as a copy of the root one, including the
 * namespace pins of this and other rigs; those copies are unmounted at once,
 * or one rig's host would keep another rig's namespaces alive.
 */
export async function createHostNamespaces(setup: HostSetup): Promise<void> {
  for (const file of Object.values(setup.ns)) await Deno.writeTextFile(file, "");
  await run([
    "unshare",
    `--net=${setup.ns.net}`,
    `--mount=${setup.ns.mnt}`,
    `--uts=${setup.ns.uts}`,
    "--propagation",
    "private",
    "sh",
    "-ec",
    HOST_SCRIPT,
    "sh",
    setup.hostName,
    setup.hostDir,
    setup.stateRoot,
  ], { check: true });
}

const HOST_SCRIPT = `
hostname "$1"
awk -v root="$3/" 'substr($5, 1, length(root)) == root { print $5 }' /proc/self/mountinfo |
  sort -r | while read -r point; do umount -l "$point" 2>/dev/null || true; done
mount --bind "$2/run" /run
# resolv.conf may be a symlink into /run (systemd-resolved): then the file
# belongs in the host's own /run; otherwise bind our copy over it.
resolv=$(readlink -m /etc/resolv.conf)
case "$resolv" in
  /run/*) mkdir -p "$(dirname "$resolv")"; cp "$2/etc/resolv.conf" "$resolv" ;;
  *) mount --bind "$2/etc/resolv.conf" "$resolv" ;;
esac
mount --bind "$2/etc/hosts" /etc/hosts
if [ -f /etc/hostname ]; then mount --bind "$2/etc/hostname" /etc/hostname; fi
mount -t sysfs sysfs "$2/.sys"
mount --rbind /sys/fs/cgroup "$2/.sys/fs/cgroup"
mount --move "$2/.sys" /sys
ip link set lo up
`;

/** How {@linkcode connectHost} wires a host into the segment. */
export interface HostLink {
  hostNet: string;
  switchNet: string;
  /** Name of the switch-side veth (host side is always `eth0`). */
  port: string;
  address: string;
  gateway: string;
}

/** Creates the host's `eth0` ↔ switch port veth pair and addresses it. */
export async function connectHost(link: HostLink): Promise<void> {
  await run([
    "ip",
    "link",
    "add",
    "eth0",
    "netns",
    link.hostNet,
    "type",
    "veth",
    "peer",
    "name",
    link.port,
    "netns",
    link.switchNet,
  ], { check: true });
  await run([
    "nsenter",
    `--net=${link.switchNet}`,
    "ip",
    "link",
    "set",
    link.port,
    "master",
    "br0",
    "up",
  ], {
    check: true,
  });
  await run([
    "nsenter",
    `--net=${link.hostNet}`,
    "sh",
    "-ec",
    `ip addr add "$1/24" dev eth0; ip link set eth0 up; ip route add default via "$2"`,
    "sh",
    link.address,
    link.gateway,
  ], { check: true });
}
