/**
 * The edge that reads this host's interface addresses for
 * `resolveAddresses`: `Deno.networkInterfaces()` plus the link state
 * from `/sys/class/net/<name>/` (Deno does not report it).
 *
 * @module
 */

import type { LocalInterface } from "./local_ips.ts";

const iffUp = 0x1;
const linkDownStates = new Set(["down", "lowerlayerdown", "notpresent"]);

/**
 * Lists IPv4 and IPv6 addresses with whether their interface is up: the
 * `IFF_UP` flag set and `operstate` not down (`unknown`, as loopback and
 * tun devices report, counts as up). Where `/sys` cannot be read (not Linux)
 * an interface that has an address is taken as up.
 */
export async function readHostInterfaces(): Promise<LocalInterface[]> {
  const upByName = new Map<string, boolean>();
  const result: LocalInterface[] = [];
  for (const entry of Deno.networkInterfaces()) {
    if (!upByName.has(entry.name)) upByName.set(entry.name, await isLinkUp(entry.name));
    result.push({
      name: entry.name,
      family: entry.family,
      address: entry.address,
      up: upByName.get(entry.name)!,
    });
  }
  return result;
}

async function isLinkUp(name: string): Promise<boolean> {
  try {
    const flags = parseInt(await Deno.readTextFile(`/sys/class/net/${name}/flags`), 16);
    const state = (await Deno.readTextFile(`/sys/class/net/${name}/operstate`)).trim();
    return (flags & iffUp) !== 0 && !linkDownStates.has(state);
  } catch {
    // No sysfs view of this link: the OS listed an address on it, so treat it as usable.
    return true;
  }
}
