/**
 * The WireGuard mesh member loop (networking.md §4): ensures this node's key and `jaco0`,
 * publishes the public key (`NodeUpdateSelf`, which also gets the node its mesh address from the
 * state machine), then keeps the device's peers, its address and the routes over `jaco0` equal to
 * replicated state.
 *
 * Decisions where the spec is silent or the reference falls short:
 * - Where it runs: only on a host whose Docker socket exists (`dockerSocketExists()`, the rule of
 *   the runtime agent, the firewall and the published-ports loops): that is where containers run
 *   and need the mesh. A daemon without Docker — the loopback test clusters, several jacods in
 *   the root network namespace of one machine — never creates `jaco0`, publishes no key and
 *   reports mesh `unavailable`. The gate is re-checked on every pass (dockerd may start later).
 * - Availability gate (§4.1): neither kernel WireGuard nor wireguard-go usable → one WARN with
 *   the reason, mesh `unavailable`, no key published (so no peer lists a node that cannot
 *   answer); retried quietly on the safety tick.
 * - Triggers: a pass at start, 200 ms after any Node or Subnet change (the reference only had
 *   the 30 s ticker, leaving a new host's replicas unreachable for up to 30 s) and a full pass
 *   every 30 s. Event passes are skipped when the rendered configuration, address and routes
 *   equal the last applied ones (Node changes include pressure heartbeats); the safety tick
 *   re-asserts everything, which also repairs a hand-edited device or route.
 * - Peers whose address host is a DNS name are resolved (A record, 2 s timeout) on the first pass
 *   that needs them and again on every safety tick (event passes reuse the last answer, so
 *   heartbeat-driven Node events cost no lookups); a name that does not resolve leaves the peer
 *   without an endpoint (it can still dial us) and is logged once (the reference dropped such
 *   peers).
 * - WireGuard listens on `wg_port` on every interface (the kernel cannot bind one address).
 *   Operators should admit that UDP port only from the members' addresses in their host
 *   firewall; an unauthenticated packet is dropped by WireGuard itself (no handshake without a
 *   configured peer key), so the exposure is the port's existence, not access.
 * - Errors (key file, device, configure, address, routes, publish) are logged at WARN once per
 *   distinct message and retried on the next pass; peer-count changes at INFO
 *   `wireguard peer set reconciled`.
 * - The mode (`kernel`, `wireguard-go`, `unavailable`) goes to `cluster status` through
 *   {@link MemberContext.reportMeshMode}. At shutdown the wireguard-go process this loop
 *   started (or adopted after a crash) is stopped; see net/wireguard_device.ts.
 *
 * @module
 */
import {
  desiredRoutes,
  endpointOf,
  HostMeshDevice,
  isIpLiteral,
  keyToBase64,
  loadOrCreateKeyPair,
  type MeshDevice,
  MeshMode,
  planPeers,
  renderWgConfig,
  type WireguardKeyPair,
} from "../../net/mod.ts";
import { isJacoError } from "../../proto/errors.ts";
import type { StoreName } from "../../state/mod.ts";
import type { DaemonConfig } from "../config.ts";
import type { MemberContext, MemberLoop } from "../node/member_loops.ts";
import { dockerSocketExists } from "./firewall_loop.ts";
import { CoalescedPass } from "../node/coalesced_pass.ts";

/** Options of the loop (tests). */
export interface MeshLoopOptions {
  /** The host device (default `jaco0` through ip/wg/wireguard-go). */
  device?: MeshDevice;
  /** Where the mesh runs (default: this host's Docker socket exists). */
  enabled?: () => Promise<boolean>;
  /** Resolves a DNS-name peer host to an IP (default: A record through the host resolver). */
  resolve?: (host: string) => Promise<string | undefined>;
  /** Safety tick (default 30 s). */
  tickMs?: number;
  /** Debounce of Node/Subnet events (default 200 ms). */
  debounceMs?: number;
  /** Retry delay after a failed key publication (default 1 s). */
  retryMs?: number;
}

const watched: StoreName[] = ["nodes", "subnets"];
const identity = "system";

async function resolveA(host: string): Promise<string | undefined> {
  const timeout = AbortSignal.timeout(2000);
  const answers = await Deno.resolveDns(host, "A", { signal: timeout }).catch(() => []);
  return [...answers].sort()[0];
}

const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

/** Starts the mesh loop of this node (member loop factory). */
export function startMeshLoop(
  context:
    & Pick<MemberContext, "nodeName" | "state" | "submit" | "log" | "signal" | "reportMeshMode">
    & { config: Pick<DaemonConfig, "dataDir" | "wgPort"> },
  options: MeshLoopOptions = {},
): MemberLoop {
  const device = options.device ??
    new HostMeshDevice({ stateDir: `${context.config.dataDir}/wg` });
  const enabled = options.enabled ?? dockerSocketExists;
  const resolve = options.resolve ?? resolveA;
  const log = context.log;
  const warned = new Map<string, string>();
  const resolved = new Map<string, string | undefined>();
  let keys: WireguardKeyPair | undefined;
  let mode: MeshMode = MeshMode.unavailable;
  let applied = "";
  let peerCount = -1;
  let gateLogged = false;
  let force = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const report = (next: MeshMode) => {
    if (next !== mode) {
      mode = next;
      if (next !== MeshMode.unavailable) {
        log.info("wireguard mesh interface up", { interface: "jaco0", mode: next });
      }
    }
    context.reportMeshMode?.(next);
  };
  const warnOnce = (what: string, error: unknown, fields: Record<string, string> = {}) => {
    const message = (error as Error).message ?? String(error);
    if (warned.get(what) === message) return;
    warned.set(what, message);
    log.warn(`wireguard ${what} failed`, { error: message, ...fields });
  };
  const ok = (what: string) => warned.delete(what);

  const pass = async (full: boolean): Promise<void> => {
    if (!await enabled()) {
      if (!gateLogged) log.info("wireguard mesh disabled: no docker on this host");
      gateLogged = true;
      report(MeshMode.unavailable);
      return;
    }
    try {
      keys ??= await loadOrCreateKeyPair(context.config.dataDir);
      ok("key");
    } catch (error) {
      warnOnce("key", error);
      return;
    }
    if (full || mode === MeshMode.unavailable) {
      const ensured = await device.ensure().catch((error) => ({
        mode: MeshMode.unavailable,
        reason: (error as Error).message,
      }));
      if (ensured.mode === MeshMode.unavailable) {
        if (mode !== MeshMode.unavailable || !warned.has("availability")) {
          warned.set("availability", ensured.reason ?? "");
          log.warn("wireguard unavailable, mesh disabled", { reason: ensured.reason ?? "" });
        }
        applied = "";
        report(MeshMode.unavailable);
        return;
      }
      report(ensured.mode);
    }

    const view = context.state.view();
    const self = view.node(context.nodeName);
    if (!self) return;
    if (!sameBytes(self.wireguardPubkey, keys.publicKey) || self.meshIp === "") {
      if (sameBytes(self.wireguardPubkey, keys.publicKey)) {
        warnOnce("mesh address", new Error("all 254 mesh addresses of 10.99.0.0/24 are taken"));
      } else await publish(keys.publicKey);
    }

    const { peers } = planPeers({
      self: context.nodeName,
      nodes: view.nodes(),
      subnets: view.subnets(),
    });
    const port = context.config.wgPort;
    const endpoints = await Promise.all(peers.map(async (peer) => {
      if (peer.endpointHost === "") return "";
      if (isIpLiteral(peer.endpointHost)) return endpointOf(peer.endpointHost, port);
      if (full || !resolved.has(peer.endpointHost)) {
        resolved.set(peer.endpointHost, await resolve(peer.endpointHost));
      }
      const ip = resolved.get(peer.endpointHost);
      if (ip === undefined) {
        warnOnce(`resolve ${peer.endpointHost}`, new Error("no A record"), { peer: peer.hostname });
        return "";
      }
      ok(`resolve ${peer.endpointHost}`);
      return endpointOf(ip, port);
    }));
    const config = renderWgConfig({
      privateKey: keyToBase64(keys.privateKey),
      listenPort: port,
      peers: peers.map((peer, i) => ({ ...peer, endpoint: endpoints[i] })),
    });
    const routes = desiredRoutes(context.nodeName, view.subnets());
    const wanted = [config, self.meshIp, ...routes].join("\n");
    if (!full && wanted === applied) return;

    let failed = false;
    try {
      await device.configure(config);
      ok("configure");
    } catch (error) {
      warnOnce("configure", error);
      failed = true;
      mode = MeshMode.unavailable; // re-ensure the device on the next pass
    }
    if (!failed && self.meshIp !== "") {
      try {
        await device.ensureAddress(self.meshIp);
        ok("mesh route");
      } catch (error) {
        warnOnce("mesh route", error);
        failed = true;
      }
      try {
        const removed = await device.syncRoutes(routes, self.meshIp);
        ok("routes");
        if (removed.length > 0) {
          log.info("wireguard stale routes removed", { routes: removed.join(" ") });
        }
      } catch (error) {
        warnOnce("routes", error);
        failed = true;
      }
    }
    if (peers.length !== peerCount && !failed) {
      peerCount = peers.length;
      log.info("wireguard peer set reconciled", {
        peers: peers.map((peer) => peer.hostname).join(" "),
        count: String(peers.length),
        mesh_ip: self.meshIp,
      });
    }
    applied = failed ? "" : wanted;
  };

  const publish = async (publicKey: Uint8Array): Promise<void> => {
    try {
      await context.submit({
        $case: "nodeUpdateSelf",
        value: { hostname: context.nodeName, wireguardPubkey: publicKey, grpcAddress: "" },
      }, identity);
      ok("publish");
      log.info("wireguard public key published", { public_key: keyToBase64(publicKey) });
    } catch (error) {
      if (!isJacoError(error)) warnOnce("publish", error);
      else if (!["no_leader", "raft_unavailable", "quorum_lost"].includes(error.code)) {
        warnOnce("publish", error);
      }
      clearTimeout(retry);
      retry = setTimeout(schedule, options.retryMs ?? 1000);
    }
  };

  const runner = new CoalescedPass({
    pass: () => {
      const full = force;
      force = false;
      return pass(full);
    },
    debounceMs: options.debounceMs ?? 200,
    onError: (error) => warnOnce("pass", error),
  });
  const trigger = (): void => runner.trigger();
  const schedule = (): void => runner.schedule();

  const subscriptions = watched.map((store) =>
    context.state.subscribe(store, { signal: context.signal })
  );
  const consumers = subscriptions.map(async (subscription) => {
    for await (const _event of subscription) schedule();
  });
  const tick = setInterval(() => {
    force = true;
    trigger();
  }, options.tickMs ?? 30_000);
  force = true;
  trigger();

  return {
    async stop() {
      const passDone = runner.stop();
      clearTimeout(retry);
      clearInterval(tick);
      for (const subscription of subscriptions) subscription.close();
      await Promise.allSettled(consumers);
      await passDone;
      await device.close();
      context.reportMeshMode?.(MeshMode.unavailable);
    },
  };
}
