/**
 * The published-ports member loop (networking.md §7): keeps this host's `table ip jaco_nat` equal
 * to the plan of every TCP route (kernel DNAT to a healthy replica, local first; refuse when none
 * is healthy — see net/published_ports.ts) and the Docker `DOCKER-USER` exemption on top.
 *
 * Decisions where the spec is silent:
 * - Runs only on a host with a Docker socket (where replicas run); a daemon without Docker never
 *   touches netfilter (so test daemons on a shared machine cannot fight over one table).
 * - Event-driven (coalesced, ~50 ms) on every routing-relevant state change, plus a 10 s safety
 *   tick that re-applies the whole table (an atomic replacement, which also repairs drift such as
 *   a hand-deleted rule) and re-asserts the DOCKER-USER rule.
 * - A host that never had published ports never gets the table; once it had, "no routes" deletes
 *   it. `nft` failures are logged at WARN once per distinct error and retried on the next pass.
 *
 * @module
 */
import { planPublishedPorts, PublishedPortsNft, renderNatRuleset } from "../../net/mod.ts";
import { dockerSocketPath } from "../agent/mod.ts";
import type { MemberContext, MemberLoop } from "../node/member_loops.ts";
import { type RoutingInputOptions, watchRoutingInputs } from "./routing_inputs.ts";
import { CoalescedPass } from "../node/coalesced_pass.ts";

/** Options of the loop (tests). */
export interface PortsLoopOptions extends RoutingInputOptions {
  /** nft/iptables driver (default: the host's). */
  nft?: Pick<PublishedPortsNft, "apply" | "list" | "ensureDockerUser">;
  /** Gate (default: the Docker socket exists). */
  enabled?: () => Promise<boolean>;
  /** Safety tick (default 10 s). */
  tickMs?: number;
  /** Debounce of events (default 50 ms). */
  debounceMs?: number;
}

async function dockerPresent(): Promise<boolean> {
  try {
    await Deno.stat(dockerSocketPath());
    return true;
  } catch {
    return false;
  }
}

/** Starts the published-ports loop of this node (member loop factory). */
export function startPortsLoop(
  context: Pick<MemberContext, "nodeName" | "state" | "raft" | "log" | "signal">,
  options: PortsLoopOptions = {},
): MemberLoop {
  const nft = options.nft ?? new PublishedPortsNft();
  const enabled = options.enabled ?? dockerPresent;
  let applied: string | undefined;
  let lastError = "";
  let dockerUserOk = false;
  let force = false;

  const pass = async (): Promise<void> => {
    const full = force;
    force = false;
    if (!await enabled()) return;
    const plans = planPublishedPorts(context.state.view(), inputs.options());
    const ruleset = renderNatRuleset(plans);
    if (plans.length === 0 && applied === undefined && await nft.list() === undefined) return;
    try {
      if (plans.length > 0 && (full || !dockerUserOk)) {
        dockerUserOk = await nft.ensureDockerUser().then(() => true, (error) => {
          warnOnce("docker-user")(error);
          return false;
        });
      }
      if (ruleset !== applied || full) {
        await nft.apply(ruleset);
        if (ruleset !== applied) {
          context.log.info("published ports applied", {
            ports: plans.map((plan) =>
              `${plan.port}->${plan.targets.join("|") || "refuse"}:${plan.containerPort}`
            ).join(" "),
          });
        }
        applied = ruleset;
        lastError = "";
      }
    } catch (error) {
      applied = undefined;
      warnOnce("nft")(error);
    }
  };
  const warnOnce = (what: string) => (error: unknown) => {
    const message = `${what}: ${(error as Error).message}`;
    if (message !== lastError) context.log.warn("published ports not applied", { error: message });
    lastError = message;
  };

  const runner = new CoalescedPass({
    pass,
    debounceMs: options.debounceMs ?? 50,
    onError: warnOnce("pass"),
  });
  const trigger = (): void => runner.trigger();
  const schedule = (): void => runner.schedule();

  const inputs = watchRoutingInputs(context, schedule, options);
  const tick = setInterval(() => {
    force = true;
    trigger();
  }, options.tickMs ?? 10_000);
  force = true;
  trigger();

  return {
    async stop() {
      const passDone = runner.stop();
      clearInterval(tick);
      await inputs.stop();
      await passDone;
    },
  };
}
