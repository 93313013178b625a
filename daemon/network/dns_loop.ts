/**
 * The DNS member loop (networking.md §6): one responder per local subnet (host == this node) on
 * `<gateway>:53` UDP+TCP, answering its (deployment, network) scope from answer sets rebuilt on
 * every relevant state event, and one shared forwarder to the upstreams (`dns.forwarders`, else
 * the host's resolv.conf).
 *
 * Decisions where the spec is silent:
 * - Answer sets are rebuilt synchronously (coalesced to one rebuild per macrotask) on every
 *   observation transition, desired/node/deployment/subnet change, `remove_from_routing` command
 *   and liveness change, so a replica that stops being healthy leaves the answers as soon as its
 *   observation commits (well inside 5 s of the health poll that saw it).
 * - Responders start/stop as local subnets appear/disappear; a changed gateway restarts the
 *   responder. Bind failures retry with backoff (200 ms → 5 s), WARN once per responder.
 * - Responders run only on a host with a Docker socket (where the bridges and replicas live): a
 *   daemon without Docker (several loopback test daemons on one machine) never binds port 53.
 *
 * @module
 */
import {
  type AnswerSets,
  buildAnswerSets,
  DnsForwarder,
  DnsResponder,
  gatewayOf,
  scopeKey,
} from "../../net/mod.ts";
import { dockerSocketPath } from "../agent/mod.ts";
import { readTextFileIfExists } from "../config_file.ts";
import { resolverForwarders } from "../dns_forwarders.ts";
import type { MemberContext, MemberLoop } from "../node/member_loops.ts";
import { type RoutingInputOptions, watchRoutingInputs } from "./routing_inputs.ts";

/** Options of the loop (tests). */
export interface DnsLoopOptions extends RoutingInputOptions {
  /** Responder port (default 53). */
  port?: number;
  /** Upstreams (default: from config and `/etc/resolv.conf`). */
  upstreams?: readonly string[];
  /** Gate, checked before each reconcile (default: the Docker socket exists). */
  enabled?: () => Promise<boolean>;
}

async function dockerPresent(): Promise<boolean> {
  try {
    await Deno.stat(dockerSocketPath());
    return true;
  } catch {
    return false;
  }
}

/** Starts the DNS loop of this node (member loop factory). */
export function startDnsLoop(
  context: Pick<MemberContext, "nodeName" | "state" | "raft" | "log" | "signal" | "config">,
  options: DnsLoopOptions = {},
): MemberLoop {
  const responders = new Map<string, { gateway: string; responder: DnsResponder }>();
  let sets: AnswerSets = new Map();
  let forwarder: DnsForwarder | undefined;
  let pending: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const enabled = options.enabled ?? dockerPresent;
  const reconcile = async (): Promise<void> => {
    const docker = await enabled().catch(() => false);
    pending = undefined;
    if (stopped || !docker) return;
    const view = context.state.view();
    sets = buildAnswerSets(view, inputs.options());
    const wanted = new Map<string, { deployment: string; gateway: string }>();
    for (const subnet of view.subnets({ host: context.nodeName })) {
      wanted.set(scopeKey(subnet.deployment, subnet.network), {
        deployment: subnet.deployment,
        gateway: gatewayOf(subnet.cidr),
      });
    }
    for (const [key, running] of responders) {
      if (wanted.get(key)?.gateway === running.gateway) continue;
      running.responder.stop();
      responders.delete(key);
      context.log.info("dns responder stopped", { scope: key, address: running.gateway });
    }
    if (!forwarder) return;
    for (const [key, target] of wanted) {
      if (responders.has(key)) continue;
      const responder = new DnsResponder({
        address: target.gateway,
        port: options.port ?? 53,
        deployment: target.deployment,
        answers: () => sets.get(key) ?? new Map(),
        forward: (name) => forwarder!.lookup(name),
        log: {
          debug: (message, fields) => context.log.debug(message, { scope: key, ...fields }),
          warn: (message, fields) => context.log.warn(message, { scope: key, ...fields }),
        },
        onBindError: (error) =>
          context.log.warn("dns responder cannot bind yet; retrying", {
            scope: key,
            address: target.gateway,
            error: error.message,
          }),
      });
      responders.set(key, { gateway: target.gateway, responder });
      responder.bound.then(() =>
        context.log.info("dns responder listening", { scope: key, address: target.gateway })
      );
    }
  };
  const schedule = (): void => {
    if (pending === undefined && !stopped) pending = setTimeout(reconcile, 0);
  };

  const inputs = watchRoutingInputs(context, schedule, options);
  const ready = (async () => {
    let upstreams = options.upstreams;
    if (!upstreams) {
      const picked = resolverForwarders(
        context.config,
        await readTextFileIfExists("/etc/resolv.conf").catch(() => undefined),
      );
      if (picked.warning) context.log.warn(picked.warning);
      upstreams = picked.forwarders;
    }
    forwarder = new DnsForwarder(upstreams, context.config.dns.forwarderTimeoutMs);
    context.log.info("dns forwarder", {
      upstreams: upstreams.join(","),
      timeout_ms: context.config.dns.forwarderTimeoutMs,
    });
    schedule();
  })();

  return {
    async stop() {
      stopped = true;
      clearTimeout(pending);
      await ready.catch(() => {});
      await inputs.stop();
      for (const { responder } of responders.values()) responder.stop();
      responders.clear();
    },
  };
}
