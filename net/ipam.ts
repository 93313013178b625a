/**
 * Pure IPAM (networking.md §2): one /24 of the `/16` `ipam_pool` per (deployment, network, host),
 * the lowest free third octet first, plus the rules that decide which subnets may be freed.
 *
 * Decisions where the spec is silent (or where we fix a reference gap):
 * - Network names are canonical here: compose's implicit `default` is `_default` (§1), so a
 *   record is never allocated twice under two spellings.
 * - Taken octets are read from every subnet's CIDR, and a CIDR outside the pool (left from an
 *   older `ipam_pool`) still blocks nothing inside it: only in-pool CIDRs count as taken.
 * - GC (a known gap of the reference): a subnet is *unused* when no desired replica on its host
 *   belongs to a service of its deployment that attaches its network (a service without
 *   networks attaches `_default`); the leader frees it only after it stayed unused for a grace
 *   period ({@link dueForFree}), so a replica that is being moved or re-placed does not lose its
 *   /24 between two scheduler passes. Subnets with an empty host (legacy per-scope records) are
 *   always unused.
 *
 * @module
 */
import { JacoError } from "../proto/errors.ts";

/** A subnet record as far as IPAM cares (a subset of `Subnet`). */
export interface SubnetKey {
  deployment: string;
  network: string;
  host: string;
}

/** A subnet with its CIDR. */
export interface SubnetRecord extends SubnetKey {
  cidr: string;
}

/** A parsed `/16` pool: its first two octets. */
export interface IpamPool {
  a: number;
  b: number;
}

/** /24s in a /16 pool. */
export const poolSize = 256;

/** Compose's implicit network, canonical everywhere (networking.md §1). */
export const defaultNetwork = "_default";

/** Canonical network name: `default` (and `""`) → `_default`. */
export function canonicalNetwork(network: string): string {
  return network === "" || network === "default" ? defaultNetwork : network;
}

/**
 * Parses `ipam_pool` (`a.b.0.0/16`).
 *
 * @throws {JacoError} `validation_failed` when it is not an IPv4 /16
 */
export function parsePool(pool: string): IpamPool {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(pool.trim());
  const octets = match?.slice(1, 5).map(Number) ?? [];
  if (!match || octets.some((octet) => octet > 255)) {
    throw new JacoError(
      "validation_failed",
      `ipam_pool ${JSON.stringify(pool)} must be an IPv4 CIDR`,
      {
        field: "ipam_pool",
      },
    );
  }
  if (match[5] !== "16") {
    throw new JacoError(
      "validation_failed",
      `ipam_pool "${pool}" must be a /16 (got /${match[5]})`,
      {
        field: "ipam_pool",
      },
    );
  }
  return { a: octets[0], b: octets[1] };
}

/** The third octet of `cidr` when it is a /24 inside `pool`, else `undefined`. */
export function octetInPool(pool: IpamPool, cidr: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/.exec(cidr);
  if (!match || Number(match[1]) !== pool.a || Number(match[2]) !== pool.b) return undefined;
  const octet = Number(match[3]);
  return octet <= 255 ? octet : undefined;
}

/** The /24 of octet `n`: `a.b.n.0/24`. */
export function subnetCidr(pool: IpamPool, n: number): string {
  return `${pool.a}.${pool.b}.${n}.0/24`;
}

/** The gateway (and DNS responder) of a /24: `a.b.c.1`. */
export function gatewayOf(cidr: string): string {
  const [network] = cidr.split("/");
  const octets = network.split(".");
  return `${octets[0]}.${octets[1]}.${octets[2]}.1`;
}

/** The record of the triple, if any (step 2 of the allocation algorithm). */
export function findSubnet<T extends SubnetKey>(
  subnets: readonly T[],
  key: SubnetKey,
): T | undefined {
  const network = canonicalNetwork(key.network);
  return subnets.find((subnet) =>
    subnet.deployment === key.deployment && canonicalNetwork(subnet.network) === network &&
    subnet.host === key.host
  );
}

/**
 * Picks the CIDR for a new allocation (steps 3–5): the lowest third octet that no existing
 * subnet of the pool holds.
 *
 * @throws {JacoError} `subnet_pool_exhausted` (details deployment, network, host, pool) when all
 *   256 /24s are held
 */
export function nextFreeCidr(
  pool: IpamPool,
  subnets: readonly { cidr: string }[],
  key: SubnetKey,
): string {
  const taken = new Set<number>();
  for (const subnet of subnets) {
    const octet = octetInPool(pool, subnet.cidr);
    if (octet !== undefined) taken.add(octet);
  }
  for (let n = 0; n < poolSize; n++) {
    if (!taken.has(n)) return subnetCidr(pool, n);
  }
  throw new JacoError(
    "subnet_pool_exhausted",
    `ipam_pool ${pool.a}.${pool.b}.0.0/16 has no free /24 for network "${
      canonicalNetwork(key.network)
    }" of deployment "${key.deployment}" on host "${key.host}"`,
    {
      deployment: key.deployment,
      network: canonicalNetwork(key.network),
      host: key.host,
      pool: `${pool.a}.${pool.b}.0.0/16`,
    },
  );
}

/** Pool utilization after `held` allocations, and the log level it calls for (§2.2). */
export function utilization(held: number): { ratio: number; level: "info" | "warn" | "error" } {
  const ratio = held / poolSize;
  return { ratio, level: ratio >= 0.9 ? "error" : ratio >= 0.75 ? "warn" : "info" };
}

/** Key of a triple in maps and sets. */
export function subnetKeyOf(key: SubnetKey): string {
  return `${key.deployment}\u0000${canonicalNetwork(key.network)}\u0000${key.host}`;
}

/** What GC reads of one deployment. */
export interface ScopeDeployment {
  name: string;
  services: readonly { name: string; networks: readonly string[] }[];
}

/** What GC reads of one desired replica. */
export interface ScopeReplica {
  deployment: string;
  service: string;
  host: string;
}

/** Keys ({@link subnetKeyOf}) of every (deployment, network, host) some desired replica uses. */
export function scopesInUse(
  deployments: readonly ScopeDeployment[],
  replicas: readonly ScopeReplica[],
): Set<string> {
  const networksOf = new Map<string, readonly string[]>();
  for (const deployment of deployments) {
    for (const service of deployment.services) {
      const networks = service.networks.length > 0 ? service.networks : [defaultNetwork];
      networksOf.set(`${deployment.name}\u0000${service.name}`, networks);
    }
  }
  const inUse = new Set<string>();
  for (const replica of replicas) {
    const networks = networksOf.get(`${replica.deployment}\u0000${replica.service}`) ?? [];
    for (const network of networks) {
      inUse.add(subnetKeyOf({ deployment: replica.deployment, network, host: replica.host }));
    }
  }
  return inUse;
}

/** Subnets no desired replica uses (legacy records with an empty host included). */
export function unusedSubnets<T extends SubnetKey>(
  subnets: readonly T[],
  inUse: ReadonlySet<string>,
): T[] {
  return subnets.filter((subnet) => subnet.host === "" || !inUse.has(subnetKeyOf(subnet)));
}

/**
 * Grace bookkeeping of GC: records when each unused subnet was first seen unused (in
 * `firstUnused`, updated in place: keys used again are dropped) and returns those unused for at
 * least `graceMs` (legacy empty-host records at once).
 */
export function dueForFree<T extends SubnetKey>(
  unused: readonly T[],
  firstUnused: Map<string, number>,
  nowMs: number,
  graceMs: number,
): T[] {
  const seen = new Set<string>();
  const due: T[] = [];
  for (const subnet of unused) {
    const key = subnetKeyOf(subnet);
    seen.add(key);
    const since = firstUnused.get(key) ?? nowMs;
    firstUnused.set(key, since);
    if (subnet.host === "" || nowMs - since >= graceMs) due.push(subnet);
  }
  for (const key of [...firstUnused.keys()]) if (!seen.has(key)) firstUnused.delete(key);
  return due;
}
