/**
 * `plan(input) → Plan`: one level-triggered reconcile pass of the leader (scheduling.md §3),
 * pure — same input, same output; it reads a `StateView` and returns the commands to submit as
 * ONE Batch (identity `scheduler`).
 *
 * Order of a pass: per deployment (by name) — rollout timeouts (an aborted deployment is left
 * alone for the rest of the pass), retired services, each service of the applied revision
 * (global or replicated), status; then orphan replicas of deleted deployments; then the
 * restarter.
 *
 * @example
 * ```ts
 * const result = plan({ view: state.view(), now: new Date(), liveHosts: new Set(["node-1"]) });
 * if (result.commands.length > 0) await submit(planBatch(result), "scheduler");
 * ```
 *
 * @module
 */
import { Command, type Deployment, ServiceSpec_PlacementMode as Mode } from "../proto/mod.ts";
import { Pass } from "./_pass.ts";
import { planGlobalService } from "./global_plan.ts";
import { planRestarts } from "./restarts.ts";
import { abortTimedOut, rolloutProblem } from "./rollout.ts";
import { planService } from "./service_plan.ts";
import { deploymentTargets } from "./service_targets.ts";
import { type DeploymentFindings, shortfall, updateStatus } from "./status.ts";
import type { Plan, PlanInput } from "./types.ts";

/** Plans one reconcile pass (see module doc). */
export function plan(input: PlanInput): Plan {
  const pass = new Pass(input);
  const names = new Set<string>();
  for (const deployment of input.view.deployments()) {
    names.add(deployment.name);
    planDeployment(pass, deployment);
  }
  for (const [deployment, services] of pass.replicas) {
    if (names.has(deployment)) continue;
    for (const replicas of services.values()) for (const replica of replicas) pass.remove(replica);
  }
  planRestarts(pass);
  return { commands: pass.commands, logs: pass.logs, wakeAt: pass.wakeAt };
}

/** The payload of a plan's Batch (submit it as identity `scheduler`). */
export function planBatch(result: Plan): Command["payload"] {
  return {
    $case: "batch",
    value: {
      children: result.commands.map((payload) => Command.fromPartial({ payload })),
    },
  };
}

function planDeployment(pass: Pass, deployment: Deployment): void {
  const findings: DeploymentFindings = { blocked: [], short: [] };
  const aborted = abortTimedOut(pass, deployment);
  if (aborted) {
    updateStatus(pass, deployment, { ...findings, rollout: aborted });
    return;
  }
  const declared = new Set(deployment.services.map((service) => service.name));
  for (const [service, replicas] of pass.replicas.get(deployment.name) ?? []) {
    if (declared.has(service)) continue;
    for (const replica of replicas) pass.remove(replica);
  }
  const targets = deploymentTargets(deployment);
  if ("reason" in targets) {
    findings.blocked.push(targets.reason as string);
    updateStatus(pass, deployment, findings);
    return;
  }
  for (const spec of deployment.services) {
    const target = targets.get(spec.name)!;
    if ("reason" in target) {
      findings.blocked.push(target.reason);
      continue;
    }
    const global = spec.placement === Mode.PLACEMENT_MODE_GLOBAL;
    const blocked = global
      ? planGlobalService(pass, deployment, spec, target)
      : planService(pass, deployment, spec, target);
    if (blocked) findings.blocked.push(blocked);
    const wanted = global ? pass.cluster.eligible.length : spec.replicas;
    const short = shortfall(pass, deployment.name, spec.name, wanted);
    if (short) findings.short.push(short);
  }
  findings.rollout = rolloutProblem(pass, deployment);
  updateStatus(pass, deployment, findings);
}
