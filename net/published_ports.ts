/**
 * Cluster-wide TCP listeners for compose `ports:` (networking.md §7), pure: which replicas each
 * published port of this node forwards to, and the nftables ruleset doing it with kernel DNAT.
 *
 * Decisions where the spec is silent:
 * - The data path is the kernel only: JACO's own `table ip jaco_nat` (apart from Docker's tables
 *   and from the isolation table `inet jaco`) DNATs `<any local address>:<published_port>` (not
 *   loopback) in `prerouting` and `output`. No user-space proxy.
 * - Targets: the healthy replicas (same rule as DNS, {@link healthyReplicaIds}) of the route's
 *   service; the replica's IP on the first of the service's networks that has one. When a replica
 *   runs on this node only the local ones are used, so the client's source address is preserved
 *   (`ct mark` {@link localMark}); otherwise every remote replica's container IP is used over the
 *   mesh and the connection is masqueraded (`ct mark` {@link remoteMark}) so replies come back
 *   through this node. Replicas are picked with `numgen random`.
 * - No healthy replica: the port stays reserved and **refuses** — an `input` rule answers TCP
 *   RST (`reject with tcp reset`) at once, so clients fail fast and retry, and no other local
 *   process listening on the port ever receives its traffic. It never silently vanishes.
 * - The ct marks are also what the Docker `DOCKER-USER` exemption accepts (Docker's FORWARD may
 *   be policy DROP), see `published_ports_nft.ts`.
 *
 * @module
 */
import type { TCPRoute } from "../proto/mod.ts";
import { type AnswerOptions, type AnswerSource, healthyReplicaIds, isIPv4 } from "./dns_answers.ts";
import { dockerNetworkOf } from "./bridge.ts";
import { canonicalNetwork } from "./ipam.ts";

/** nftables table of the published ports. */
export const natTable = "jaco_nat";
/** `ct mark` of a connection DNATed to a replica on this node. */
export const localMark = 0x6a610001;
/** `ct mark` of a connection DNATed to a replica on another node (masqueraded). */
export const remoteMark = 0x6a610002;
/** Mask matching both marks (for the Docker exemption). */
export const markMask = 0xfffffffc;

/** What one published port does on this node. */
export interface PortPlan {
  /** Host port. */
  port: number;
  /** Container port of the replicas. */
  containerPort: number;
  /** Owning deployment. */
  deployment: string;
  /** Service. */
  service: string;
  /** Replica IPs (sorted); empty = refuse. */
  targets: string[];
  /** True when the targets run on this node (no masquerade). */
  local: boolean;
}

/** What the plan reads besides {@link AnswerSource}. */
export interface PortSource extends AnswerSource {
  /** Every TCP route. */
  tcpRoutes(): TCPRoute[];
}

/**
 * Plans every published port, sorted by port.
 *
 * @example
 * ```ts
 * renderNatRuleset(planPublishedPorts(state.view(), { self: "node-1" }));
 * ```
 */
export function planPublishedPorts(source: PortSource, options: AnswerOptions): PortPlan[] {
  const healthy = healthyReplicaIds(source, options);
  const observed = new Map(source.replicasObserved().map((entry) => [entry.id, entry]));
  const networksOf = new Map<string, string[]>();
  for (const deployment of source.deployments()) {
    for (const service of deployment.services) {
      networksOf.set(
        `${deployment.name}/${service.name}`,
        service.networks.length === 0 ? ["_default"] : service.networks.map(canonicalNetwork),
      );
    }
  }
  const desired = source.replicasDesired();
  const plans: PortPlan[] = [];
  for (const route of source.tcpRoutes()) {
    const local: string[] = [];
    const remote: string[] = [];
    const networks = networksOf.get(`${route.deployment}/${route.service}`) ?? [];
    for (const replica of desired) {
      if (replica.deployment !== route.deployment || replica.service !== route.service) continue;
      if (!healthy.has(replica.id)) continue;
      const details = observed.get(replica.id)?.details ?? {};
      const ip = networks.map((network) =>
        details[`ip.${dockerNetworkOf(route.deployment, network)}`]
      )
        .find((value) => value !== undefined && isIPv4(value));
      if (ip === undefined) continue;
      (replica.host === options.self ? local : remote).push(ip);
    }
    const targets = [...new Set(local.length > 0 ? local : remote)].sort();
    plans.push({
      port: route.publishedPort,
      containerPort: route.containerPort,
      deployment: route.deployment,
      service: route.service,
      targets,
      local: local.length > 0,
    });
  }
  return plans.sort((a, b) => a.port - b.port);
}

const hex = (mark: number) => `0x${mark.toString(16)}`;

/** The DNAT statement of one port's chain. */
function dnatRule(plan: PortPlan): string {
  const mark = hex(plan.local ? localMark : remoteMark);
  const destination = plan.targets.length === 1
    ? plan.targets[0]
    : `numgen random mod ${plan.targets.length} map { ${
      plan.targets.map((ip, index) => `${index} : ${ip}`).join(", ")
    } }`;
  return `meta l4proto tcp ct mark set ${mark} dnat to ${destination}:${plan.containerPort}`;
}

/**
 * Renders the whole `table ip jaco_nat` as one atomic `nft -f` replacement (`table` + `delete
 * table` first, like the isolation ruleset). With no plans it only deletes the table.
 */
export function renderNatRuleset(plans: readonly PortPlan[]): string {
  const head = `table ip ${natTable}\ndelete table ip ${natTable}\n`;
  if (plans.length === 0) return head;
  const served = plans.filter((plan) => plan.targets.length > 0);
  const idle = plans.filter((plan) => plan.targets.length === 0);
  const lines = [`table ip ${natTable} {`];
  lines.push("  map ports {", "    type inet_service : verdict");
  if (served.length > 0) {
    lines.push(
      `    elements = { ${
        served.map((plan) => `${plan.port} : jump port_${plan.port}`).join(", ")
      } }`,
    );
  }
  lines.push("  }", "  set idle_ports {", "    type inet_service");
  if (idle.length > 0) {
    lines.push(`    elements = { ${idle.map((plan) => plan.port).join(", ")} }`);
  }
  lines.push("  }");
  for (
    const [chain, hook, priority] of [["prerouting", "prerouting", "dstnat"], [
      "output",
      "output",
      "-100",
    ]]
  ) {
    lines.push(
      `  chain ${chain} {`,
      `    type nat hook ${hook} priority ${priority}; policy accept;`,
      "    ip daddr != 127.0.0.0/8 fib daddr type local tcp dport vmap @ports",
      "  }",
    );
  }
  lines.push(
    "  chain postrouting {",
    "    type nat hook postrouting priority srcnat; policy accept;",
    `    ct mark ${hex(remoteMark)} masquerade`,
    "  }",
    "  chain input {",
    "    type filter hook input priority 0; policy accept;",
    "    tcp dport @idle_ports reject with tcp reset",
    "  }",
  );
  for (const plan of served) {
    lines.push(`  chain port_${plan.port} {`, `    ${dnatRule(plan)}`, "  }");
  }
  lines.push("}");
  return head + lines.join("\n") + "\n";
}
