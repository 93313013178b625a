/**
 * Mesh address allocation inside the state machine (networking.md §1 mesh subnet `10.99.0.0/24`,
 * §4.1 "mesh address"; gap fix: the reference derived the slot from one hash byte of the
 * hostname, so two hosts could silently share an address).
 *
 * Decisions where the spec is silent:
 * - A node gets `Node.mesh_ip` the first time a 32-byte WireGuard public key is stored for it
 *   (`NodeJoin` carrying one, or `NodeUpdateSelf`): the lowest host octet 1..254 of
 *   `10.99.0.0/24` that no other node holds. Apply runs on every member in log order, so every
 *   member computes the same answer; no leader-side allocator is needed.
 * - The address is never changed while the node stays a member (a re-join keeps it, a new key
 *   keeps it); `NodeRemove` deletes the record and so frees the slot for a later node.
 * - All 254 slots taken: the node stays without a mesh address (its mesh loop logs it and the
 *   node takes no part in the mesh); nothing else is refused.
 *
 * @module
 */

const prefix = "10.99.0.";

/**
 * The lowest free mesh address given the addresses other nodes hold, or `""` when all 254 are
 * taken.
 *
 * @example
 * ```ts
 * lowestFreeMeshIp(["10.99.0.1", "10.99.0.3"]); // "10.99.0.2"
 * ```
 */
export function lowestFreeMeshIp(taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let octet = 1; octet <= 254; octet++) {
    const ip = `${prefix}${octet}`;
    if (!used.has(ip)) return ip;
  }
  return "";
}
