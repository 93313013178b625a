/**
 * The desired WireGuard mesh of one node, computed from replicated state (networking.md §4.2):
 * peers (one per other node with a key), the `wg` configuration text, the routes over `jaco0`
 * and which live routes are stale. Pure: no I/O.
 *
 * Decisions where the spec is silent or the reference falls short:
 * - Mesh addresses come from `Node.mesh_ip` (assigned in raft, see state/), not from a hash of
 *   the hostname; a peer without one yet still gets its subnets as allowed IPs.
 * - Endpoints dial the peer's `Node.address` host at this node's `wg_port` (all peers must
 *   agree on it; the reference ignored the setting). A host that is a DNS name is kept as such
 *   here; the mesh loop resolves it (the reference skipped such peers).
 * - Peers, allowed IPs and routes are sorted so equal states render equal text: the loop skips a
 *   reconcile whose rendering did not change between safety ticks.
 * - The device is brought to the rendering by its difference only ({@link planWgSet}: one
 *   `wg set` with the changed listen port/private key, removed peers and new or changed peers),
 *   never by reloading everything: a full `wg syncconf` makes wireguard-go re-bind its UDP socket
 *   and re-add every peer's allowed IPs, dropping packets in flight to all peers. What cannot be
 *   expressed as `wg set` (keys we never render, e.g. a preshared key) yields no plan and the
 *   device falls back to `wg syncconf` (see wireguard_device.ts).
 *
 * @module
 */
import { meshSubnet } from "./nft_exempt.ts";

/** The WireGuard interface (§1). */
export const MESH_INTERFACE = "jaco0";
/** Persistent keepalive of every peer, seconds (§4.2). */
export const KEEPALIVE_SECONDS = 25;

/** What the plan reads of a `Node`. */
export interface MeshNode {
  hostname: string;
  /** Raft address `host:port` (the endpoint host). */
  address: string;
  wireguardPubkey: Uint8Array;
  meshIp: string;
}

/** What the plan reads of a `Subnet`. */
export interface MeshSubnet {
  host: string;
  cidr: string;
}

/** One desired peer. */
export interface MeshPeer {
  hostname: string;
  /** Base64 public key. */
  publicKey: string;
  /** Host part of the peer's address (IP literal or DNS name); "" when it has none. */
  endpointHost: string;
  /** Its mesh /32 (when assigned) and every /24 it hosts, sorted. */
  allowedIps: string[];
}

/** A peer left out of the mesh, and why. */
export interface SkippedPeer {
  hostname: string;
  reason: "no_key";
}

/** Inputs of {@link planPeers}. */
export interface PeerPlanInput {
  /** This node's hostname. */
  self: string;
  nodes: readonly MeshNode[];
  subnets: readonly MeshSubnet[];
}

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const byText = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;

/**
 * The host part of a `host:port` address (`[v6]:port` unbracketed); the whole text when it has
 * no port.
 *
 * @example
 * ```ts
 * hostOfAddress("10.0.0.5:7001"); // "10.0.0.5"
 * hostOfAddress("[fd00::1]:7001"); // "fd00::1"
 * ```
 */
export function hostOfAddress(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1];
  const colons = address.split(":").length - 1;
  if (colons === 1) return address.slice(0, address.lastIndexOf(":"));
  return address;
}

/** True for an IPv4 or IPv6 literal (no DNS lookup needed). */
export function isIpLiteral(host: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(host)) {
    return host.split(".").every((octet) => Number(octet) <= 255);
  }
  return host.includes(":") && /^[0-9a-fA-F:.]+$/.test(host);
}

/** `host:port` for an endpoint (IPv6 bracketed). */
export function endpointOf(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The peers of `self`: every other node with a 32-byte key (sorted by hostname). */
export function planPeers(input: PeerPlanInput): { peers: MeshPeer[]; skipped: SkippedPeer[] } {
  const peers: MeshPeer[] = [];
  const skipped: SkippedPeer[] = [];
  const others = input.nodes.filter((node) => node.hostname !== input.self)
    .sort((a, b) => byText(a.hostname, b.hostname));
  for (const node of others) {
    if (node.wireguardPubkey.length !== 32) {
      skipped.push({ hostname: node.hostname, reason: "no_key" });
      continue;
    }
    const subnets = input.subnets.filter((subnet) => subnet.host === node.hostname)
      .map((subnet) => subnet.cidr).sort(byText);
    peers.push({
      hostname: node.hostname,
      publicKey: base64(node.wireguardPubkey),
      endpointHost: hostOfAddress(node.address),
      allowedIps: [...(node.meshIp ? [`${node.meshIp}/32`] : []), ...new Set(subnets)],
    });
  }
  return { peers, skipped };
}

/** Inputs of {@link renderWgConfig}. */
export interface WgConfigInput {
  /** Base64 private key. */
  privateKey: string;
  listenPort: number;
  /** Peers with their resolved endpoint (`host:port`, "" = none known). */
  peers: readonly { publicKey: string; endpoint: string; allowedIps: readonly string[] }[];
}

/**
 * The `wg setconf`/`wg syncconf` text of the whole device: private key, listen port and every
 * peer (the complete peer set, so peers absent here are removed).
 */
export function renderWgConfig(input: WgConfigInput): string {
  const lines = [
    "[Interface]",
    `PrivateKey = ${input.privateKey}`,
    `ListenPort = ${input.listenPort}`,
  ];
  for (const peer of input.peers) {
    lines.push("", "[Peer]", `PublicKey = ${peer.publicKey}`);
    if (peer.allowedIps.length > 0) lines.push(`AllowedIPs = ${peer.allowedIps.join(", ")}`);
    if (peer.endpoint !== "") lines.push(`Endpoint = ${peer.endpoint}`);
    lines.push(`PersistentKeepalive = ${KEEPALIVE_SECONDS}`);
  }
  return lines.join("\n") + "\n";
}

/** One `wg` configuration text as sections: the interface's keys and each peer's, by public key. */
interface WgSections {
  device: Map<string, string>;
  peers: Map<string, Map<string, string>>;
}

/**
 * A base64 X25519 private key as WireGuard stores it (clamped: both the kernel and wireguard-go
 * clamp on load, and `wg showconf` prints that, while our key file holds the unclamped scalar).
 */
function clamped(key: string): string {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(key), (char) => char.charCodeAt(0));
  } catch {
    return key;
  }
  if (bytes.length !== 32) return key;
  bytes[0] &= 248;
  bytes[31] = (bytes[31] & 127) | 64;
  return btoa(String.fromCharCode(...bytes));
}

/** Splits a `wg showconf` / {@link renderWgConfig} text (`Key = value` lines under sections). */
function wgSections(text: string, normalize = true): WgSections {
  const device = new Map<string, string>();
  const peers = new Map<string, Map<string, string>>();
  let section: Map<string, string> | undefined;
  const close = () => {
    if (section && section !== device) peers.set(section.get("PublicKey") ?? "", section);
  };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line === "[Interface]" || line === "[Peer]") {
      close();
      section = line === "[Interface]" ? device : new Map();
      continue;
    }
    const at = line.indexOf("=");
    if (!section || at < 0) continue;
    const key = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    section.set(
      key,
      key === "AllowedIPs"
        ? value.split(",").map((ip) => ip.trim()).filter((ip) => ip !== "")
          .sort(normalize ? byText : () => 0).join(",")
        : key === "PrivateKey" && normalize
        ? clamped(value)
        : value,
    );
  }
  close();
  return { device, peers };
}

/** The change of one peer in a {@link WgSetPlan}: only what differs is set. */
export interface WgPeerChange {
  /** Base64 public key. */
  publicKey: string;
  /** Remove the peer (nothing else is set). */
  remove: boolean;
  /** `host:port`, when it differs (or the peer is new and has one). */
  endpoint?: string;
  /** Seconds or `off`, when it differs (or the peer is new). */
  persistentKeepalive?: string;
  /**
   * The peer's complete allowed IPs in the desired order (`wg set ... allowed-ips` replaces the
   * list), when the set differs (or the peer is new and has some).
   */
  allowedIps?: string[];
}

/** The `wg set` operations that turn a live device into the desired configuration. */
export interface WgSetPlan {
  /** When it differs: wireguard-go re-binds its UDP socket on every listen port it is given. */
  listenPort?: string;
  /** Base64 private key (as desired, unclamped), when it differs from the live one. */
  privateKey?: string;
  /** Peers to remove, then new and changed ones (each by public key order). */
  peers: WgPeerChange[];
}

/** Keys of a section that {@link planWgSet} knows how to set; any other must already be equal. */
const SETTABLE_DEVICE = new Set(["PrivateKey", "ListenPort"]);
const SETTABLE_PEER = new Set(["PublicKey", "AllowedIPs", "Endpoint", "PersistentKeepalive"]);

/**
 * The minimal `wg set` operations that bring a device whose `wg showconf` is `live` to `desired`
 * (a {@link renderWgConfig} text): the listen port and private key (compared clamped) only when
 * they differ, `peer <key> remove` for live peers not desired, and for a new or changed peer only
 * its differing endpoint, keepalive and allowed IPs. Peers that did not change are not touched.
 * Keys `desired` leaves out of a peer are not compared (an endpoint learned from a peer without
 * one configured is no difference); a peer's allowed IPs are always compared (none desired and
 * some live = `allowed-ips ""`).
 *
 * Returns `undefined` when a difference cannot be expressed this way (a key other than
 * PrivateKey/ListenPort/PublicKey/AllowedIPs/Endpoint/PersistentKeepalive differs): the caller
 * then loads the whole configuration with `wg syncconf`.
 *
 * @example
 * ```ts
 * const plan = planWgSet(config, liveShowconf);
 * if (plan && wgSetPlanEmpty(plan)) return; // nothing to do
 * ```
 */
export function planWgSet(desired: string, live: string): WgSetPlan | undefined {
  const want = wgSections(desired);
  const have = wgSections(live);
  const plan: WgSetPlan = { peers: [] };
  for (const [key, value] of want.device) {
    if (have.device.get(key) === value) continue;
    if (!SETTABLE_DEVICE.has(key)) return undefined;
    if (key === "ListenPort") plan.listenPort = value;
  }
  const given = wgSections(desired, false); // the private key unclamped, allowed IPs in order
  const key = want.device.get("PrivateKey");
  if (key !== undefined && have.device.get("PrivateKey") !== key) {
    plan.privateKey = given.device.get("PrivateKey");
  }
  for (const publicKey of [...have.peers.keys()].sort(byText)) {
    if (!want.peers.has(publicKey)) plan.peers.push({ publicKey, remove: true });
  }
  for (const publicKey of [...want.peers.keys()].sort(byText)) {
    const peer = want.peers.get(publicKey)!;
    const current = have.peers.get(publicKey);
    const change: WgPeerChange = { publicKey, remove: false };
    for (const [key, value] of peer) {
      if (key === "AllowedIPs" || current?.get(key) === value) continue;
      if (!SETTABLE_PEER.has(key)) return undefined;
      if (key === "Endpoint") change.endpoint = value;
      if (key === "PersistentKeepalive") change.persistentKeepalive = value;
    }
    const allowed = peer.get("AllowedIPs") ?? "";
    if (current === undefined ? allowed !== "" : allowed !== (current.get("AllowedIPs") ?? "")) {
      const ordered = given.peers.get(publicKey)?.get("AllowedIPs") ?? "";
      change.allowedIps = ordered === "" ? [] : ordered.split(",");
    }
    const changed = change.endpoint !== undefined || change.persistentKeepalive !== undefined ||
      change.allowedIps !== undefined;
    if (current === undefined || changed) plan.peers.push(change);
  }
  return plan;
}

/** True when a {@link WgSetPlan} has nothing to do. */
export function wgSetPlanEmpty(plan: WgSetPlan): boolean {
  return plan.listenPort === undefined && plan.privateKey === undefined &&
    plan.peers.length === 0;
}

/**
 * The arguments of one `wg set <iface> ...` call for a non-empty {@link WgSetPlan}, and the
 * private key to feed on stdin (`private-key /dev/stdin`: it never touches the disk).
 */
export function wgSetCommand(iface: string, plan: WgSetPlan): { args: string[]; stdin?: string } {
  const args = ["set", iface];
  if (plan.listenPort !== undefined) args.push("listen-port", plan.listenPort);
  if (plan.privateKey !== undefined) args.push("private-key", "/dev/stdin");
  for (const peer of plan.peers) {
    args.push("peer", peer.publicKey);
    if (peer.remove) {
      args.push("remove");
      continue;
    }
    if (peer.endpoint !== undefined) args.push("endpoint", peer.endpoint);
    if (peer.persistentKeepalive !== undefined) {
      args.push("persistent-keepalive", peer.persistentKeepalive);
    }
    if (peer.allowedIps !== undefined) args.push("allowed-ips", peer.allowedIps.join(","));
  }
  return plan.privateKey === undefined ? { args } : { args, stdin: `${plan.privateKey}\n` };
}

/**
 * True when `wg syncconf` of `desired` (a {@link renderWgConfig} text) would change nothing on a
 * device whose `wg showconf` is `live`: {@link planWgSet} finds nothing to do (same private key
 * and listen port, same peer set, each peer with the same allowed IPs in any order and every
 * other key `desired` sets equal).
 *
 * Why it matters: `wg syncconf` is not free on an unchanged device — wireguard-go re-binds its
 * UDP socket on every `ListenPort` it is given and each peer's allowed IPs are removed and
 * re-added, so a packet crossing the mesh at that moment is dropped (a lost TCP SYN costs the
 * client a 1 s retransmit). The mesh loop's safety tick therefore only loads a configuration the
 * device does not already carry.
 *
 * @example
 * ```ts
 * if (!wgConfigSatisfied(config, liveShowconf)) await syncconf(config);
 * ```
 */
export function wgConfigSatisfied(desired: string, live: string): boolean {
  const plan = planWgSet(desired, live);
  return plan !== undefined && wgSetPlanEmpty(plan);
}

/** Every /24 hosted by another node: what `jaco0` must route (sorted, unique). */
export function desiredRoutes(self: string, subnets: readonly MeshSubnet[]): string[] {
  const cidrs = subnets.filter((subnet) => subnet.host !== "" && subnet.host !== self)
    .map((subnet) => subnet.cidr);
  return [...new Set(cidrs)].sort(byText);
}

/**
 * Destinations of `ip -j route show dev jaco0` output (`dst`; host routes get `/32`).
 *
 * @throws {SyntaxError} when `json` is not JSON
 */
export function parseRouteDestinations(json: string): string[] {
  const routes = JSON.parse(json === "" ? "[]" : json) as { dst?: string }[];
  return routes.map((route) => route.dst ?? "")
    .filter((dst) => dst !== "" && dst !== "default")
    .map((dst) => dst.includes("/") ? dst : `${dst}/32`);
}

/** Live `jaco0` routes to delete: neither desired nor the mesh /24. */
export function staleRoutes(live: readonly string[], desired: readonly string[]): string[] {
  const keep = new Set([...desired, meshSubnet]);
  return live.filter((cidr) => !keep.has(cidr));
}
