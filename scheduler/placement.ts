/**
 * Host choice for one new replica under each placement mode (scheduling.md §4).
 *
 * Decisions where the spec is silent or the reference falls short:
 * - `spread` is even, not hashed per index: the replica goes to an eligible host holding the
 *   fewest replicas of its service (so two never share a host while another eligible host has
 *   none); among equals it prefers `preferred` (the host of the replica it replaces in a
 *   rolling update, so the distribution survives the roll), else the highest rendezvous score
 *   FNV-1a-32(`<replica id>@<host>`) — deterministic, so a new leader decides identically.
 * - `pack` packs the service onto as few hosts as possible (proto: "Pack onto as few nodes as
 *   possible"): a new replica joins the eligible host already holding the most replicas of its
 *   service; a service with none yet starts on the least-loaded host — fewest replicas of ANY
 *   service (the docs' count, not the reference's own-service count) — ties → smallest hostname.
 *   So all replicas of a pack service share one host while it is eligible, and the service as a
 *   whole lands where the cluster has the most room. Placement is not capacity-aware
 *   (scheduling.md §4), so nothing caps the pile.
 * - `hosts` uses the same even rule over the listed eligible hosts (apply-time rules keep the
 *   count within them); `preferred` wins when it is eligible (a pinned replica's replacement
 *   stays beside its data).
 *
 * @module
 */

/** FNV-1a 32-bit hash of the UTF-16 code units of `text`. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Per-host replica counts (missing = 0). */
export type HostCounts = Map<string, number>;

/** Adds `delta` to `host`'s count. */
export function bump(counts: HostCounts, host: string, delta = 1): void {
  counts.set(host, (counts.get(host) ?? 0) + delta);
}

/** Spread: fewest of this service, then `preferred`, then rendezvous score (see module doc). */
export function spreadHost(
  eligible: readonly string[],
  counts: HostCounts,
  replicaId: string,
  preferred?: string,
): string | undefined {
  let fewest = Infinity;
  for (const host of eligible) fewest = Math.min(fewest, counts.get(host) ?? 0);
  let best: string | undefined;
  let bestScore = -1;
  for (const host of eligible) {
    if ((counts.get(host) ?? 0) !== fewest) continue;
    if (host === preferred) return host;
    const score = fnv1a32(`${replicaId}@${host}`);
    if (score > bestScore) {
      best = host;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Pack: the eligible host with the most replicas of this service (`counts`); when it has none
 * anywhere, the one with the fewest replicas of any service (`load`); ties → smallest hostname
 * (`eligible` is sorted).
 */
export function packHost(
  eligible: readonly string[],
  counts: HostCounts,
  load: HostCounts,
): string | undefined {
  let best: string | undefined;
  let most = 0;
  for (const host of eligible) {
    const count = counts.get(host) ?? 0;
    if (count > most) {
      best = host;
      most = count;
    }
  }
  if (best !== undefined) return best;
  let fewest = Infinity;
  for (const host of eligible) {
    const count = load.get(host) ?? 0;
    if (count < fewest) {
      best = host;
      fewest = count;
    }
  }
  return best;
}

/** Hosts: `preferred` when eligible, else the even rule over the listed eligible hosts. */
export function pinnedHost(
  eligible: readonly string[],
  counts: HostCounts,
  replicaId: string,
  preferred?: string,
): string | undefined {
  if (preferred !== undefined && eligible.includes(preferred)) return preferred;
  return spreadHost(eligible, counts, replicaId);
}

/** A hostname as it appears in a global replica id: chars outside `[A-Za-z0-9_.-]` → `-`. */
export function sanitizeHostname(hostname: string): string {
  return hostname.replace(/[^A-Za-z0-9_.-]/g, "-");
}
