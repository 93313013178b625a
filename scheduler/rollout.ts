/**
 * The rolling-update driver (scheduling.md §6, with the gaps fixed): any change of a service's
 * image or spec hash rolls, start-first, one replica at a time; the `RolloutPlan` records
 * progress and its step timeout reverts the deployment.
 *
 * Decisions where the spec is silent or differs:
 * - A plan starts when a service has replicas of an older generation (image or spec hash
 *   differ from the applied revision) and no plan targets the applied revision yet;
 *   `total_steps` = replicas to replace, `current_step` = how many of them are gone.
 * - Every advance stamps `last_step_at`; an in-progress plan whose `last_step_at` is ≥ 60 s old
 *   is aborted (`failure_reason: step_timeout`) and, when the deployment has a previous revision
 *   it is not already rolled back from, `DeploymentRollback{previous_revision}` goes in the same
 *   batch (the FSM restores that revision's services from history).
 * - A terminal plan for the applied revision is never restarted: an aborted one freezes the
 *   service's roll (no new replacements; scale, drain and dead-node work go on).
 * - After an automatic rollback (applied < previous, the aborted plan targets previous) the
 *   service converges back to the restored revision without a plan (nothing left to revert
 *   to), keeping the aborted plan as the record of why.
 *
 * @module
 */
import { type Deployment, type RolloutPlan, RolloutState } from "../proto/mod.ts";
import type { Pass } from "./_pass.ts";
import { rolloutStepTimeoutMs } from "./types.ts";

/** Whether a service may take its next rolling step this pass. */
export interface RollDecision {
  /** Old-generation replicas may be replaced. */
  allowed: boolean;
}

/**
 * Aborts every timed-out plan of `deployment` (with the rollback); returns the status reason
 * when one was aborted, in which case the deployment is left alone for the rest of the pass.
 */
export function abortTimedOut(pass: Pass, deployment: Deployment): string | undefined {
  let aborted: string | undefined;
  for (const plan of pass.view.rolloutPlans({ deployment: deployment.name })) {
    if (plan.state !== RolloutState.ROLLOUT_STATE_IN_PROGRESS) continue;
    if (plan.targetRevision !== deployment.appliedRevision) continue;
    const lastStep = plan.lastStepAt ?? plan.startedAt ?? pass.now;
    const deadline = new Date(lastStep.getTime() + rolloutStepTimeoutMs);
    if (pass.now < deadline) {
      pass.wakeNoLaterThan(deadline);
      continue;
    }
    pass.add({
      $case: "rolloutPlanUpdate",
      value: {
        plan: { ...plan, state: RolloutState.ROLLOUT_STATE_ABORTED, failureReason: "step_timeout" },
      },
    });
    aborted ??=
      `rollout of service "${plan.service}" to revision ${plan.targetRevision} aborted (step_timeout)`;
    pass.logs.push({
      level: "warn",
      message: "rollout aborted",
      fields: {
        deployment: deployment.name,
        service: plan.service,
        revision: plan.targetRevision,
        reason: "step_timeout",
      },
    });
  }
  if (aborted && canRollBack(deployment)) {
    pass.add({
      $case: "deploymentRollback",
      value: { deployment: deployment.name, revision: deployment.previousRevision },
    });
    aborted += `; rolled back to revision ${deployment.previousRevision}`;
  }
  return aborted;
}

/** True when an abort should revert to the previous revision (not already a rollback). */
export function canRollBack(deployment: Deployment): boolean {
  return deployment.previousRevision > 0 &&
    deployment.appliedRevision > deployment.previousRevision;
}

/** Decides (and records) the service's rollout state; see the module doc. */
export function decideRoll(
  pass: Pass,
  deployment: Deployment,
  service: string,
  oldGeneration: number,
): RollDecision {
  const plan = pass.view.rolloutPlan(deployment.name, service);
  const applied = deployment.appliedRevision;
  const inProgress = plan?.state === RolloutState.ROLLOUT_STATE_IN_PROGRESS;
  if (oldGeneration === 0) {
    if (plan && inProgress) {
      write(pass, {
        ...plan,
        currentStep: plan.totalSteps,
        state: RolloutState.ROLLOUT_STATE_COMPLETED,
        lastStepAt: pass.now,
      });
    }
    return { allowed: false };
  }
  if (plan && plan.targetRevision === applied) {
    if (!inProgress) return { allowed: false };
    const step = Math.max(0, plan.totalSteps - oldGeneration);
    if (step !== plan.currentStep) {
      write(pass, { ...plan, currentStep: step, lastStepAt: pass.now });
    }
    return { allowed: true };
  }
  if (plan?.state === RolloutState.ROLLOUT_STATE_ABORTED && applied < deployment.previousRevision) {
    return { allowed: true };
  }
  write(pass, {
    deployment: deployment.name,
    service,
    targetRevision: applied,
    totalSteps: oldGeneration,
    currentStep: 0,
    state: RolloutState.ROLLOUT_STATE_IN_PROGRESS,
    failureReason: "",
    startedAt: pass.now,
    lastStepAt: pass.now,
  });
  pass.logs.push({
    level: "info",
    message: "rollout started",
    fields: { deployment: deployment.name, service, revision: applied, steps: oldGeneration },
  });
  return { allowed: true };
}

/**
 * Why the deployment is degraded by a rollout, if it is: an aborted plan of the applied
 * revision, or the one an automatic rollback came from.
 */
export function rolloutProblem(pass: Pass, deployment: Deployment): string | undefined {
  for (const plan of pass.view.rolloutPlans({ deployment: deployment.name })) {
    if (plan.state !== RolloutState.ROLLOUT_STATE_ABORTED) continue;
    const reason = plan.failureReason || "aborted";
    if (plan.targetRevision === deployment.appliedRevision) {
      return `rollout of service "${plan.service}" to revision ${plan.targetRevision} aborted (${reason})`;
    }
    if (
      plan.targetRevision === deployment.previousRevision &&
      deployment.appliedRevision < deployment.previousRevision
    ) {
      return `rollout of service "${plan.service}" to revision ${plan.targetRevision} aborted ` +
        `(${reason}); rolled back to revision ${deployment.appliedRevision}`;
    }
  }
  return undefined;
}

function write(pass: Pass, plan: RolloutPlan): void {
  pass.add({ $case: "rolloutPlanUpdate", value: { plan } });
}
