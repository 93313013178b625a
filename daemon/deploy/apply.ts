/**
 * `Deploy.Apply` (manifests.md §4, rpc.md §1.2): validate the manifest pair again on the daemon,
 * check it against the cluster (members, routes and ports of other deployments, privileged
 * admission), diff it against the applied revision, and — unless dry-run — commit the next
 * revision number in one write.
 *
 * Decisions where the spec is silent or the reference differs:
 * - Any member serves Apply: validation and the diff read the contacted member's state, and the
 *   one write goes through the submitter (forwarded to the leader on a follower, the caller's
 *   identity inside the command). A follower lagging behind a concurrent apply can compute the
 *   same revision number twice; the later commit then replaces the earlier one's content under
 *   that number (revision history keeps the earlier content only when numbers differ). Operators
 *   apply one deployment at a time, so this is accepted rather than adding an FSM-side check.
 * - `privileged_workload_admitted` events (one per gated service, manifests.md §2.10) are
 *   committed in the same batch as the apply, so they land exactly once and never without it.
 * - A dry run answers the current applied revision (0 for a new deployment) and the diff.
 * - The next revision is one above every number the deployment has used (applied, previous and
 *   retained history), not `applied + 1`: after a rollback to revision 1 of 2, the next apply is
 *   3, so revision 2's retained content is never overwritten under a reused number.
 * - The privileged check uses the token's `allows_privileged` as this member has applied it.
 *
 * @module
 */
import { checkClusterFacts, type ClusterFacts, gatedServicesOf } from "../../compose/mod.ts";
import {
  type ApplyRequest,
  ApplyResponse,
  AuditEventType,
  type Command,
  type Deployment,
} from "../../proto/mod.ts";
import type { StateView } from "../../state/mod.ts";
import type { Caller, DeployDeps } from "./deps.ts";
import { revisionDiff } from "./diff.ts";
import { prepareRevision } from "./revision_content.ts";

/**
 * Serves `Deploy.Apply` for `caller`.
 *
 * @throws {JacoError} any manifest code, `unknown_host`, `port_conflict`, `route_tls_mixed`,
 *   `privilege_denied`, and the submitter's `no_leader` / `raft_apply_failed`
 */
export async function applyDeployment(
  request: ApplyRequest,
  caller: Caller,
  deps: DeployDeps,
): Promise<ApplyResponse> {
  const prepared = prepareRevision(request.jacoYaml, request.composeYaml, deps.defaultAcmeEmail);
  const { jaco, compose, content } = prepared;
  const view = deps.view();
  checkClusterFacts(jaco, compose, clusterFacts(view, jaco.deployment, caller));
  const current = view.deployment(content.deployment);
  const applied = current?.appliedRevision ?? 0;
  const before = current ? view.deploymentRevision(content.deployment, applied) : undefined;
  const diff = revisionDiff(before, content, compose);
  if (request.dryRun) return ApplyResponse.fromPartial({ appliedRevision: applied, diff });

  const revision = nextRevision(current);
  const apply: Command["payload"] = {
    $case: "deploymentApply",
    value: { ...content, revision },
  };
  const gated = gatedServicesOf(compose);
  const payload: Command["payload"] = gated.length === 0 ? apply : {
    $case: "batch",
    value: {
      children: [
        childCommand(apply),
        ...gated.map(({ service, fields }) =>
          childCommand({
            $case: "auditAppend",
            value: {
              event: {
                raftIndex: 0,
                type: AuditEventType.AUDIT_EVENT_TYPE_PRIVILEGED_WORKLOAD_ADMITTED,
                identity: caller.identity,
                ts: undefined,
                payload: {
                  deployment: content.deployment,
                  service,
                  identity: caller.identity,
                  fields,
                },
              },
            },
          })
        ),
      ],
    },
  };
  await deps.submit(payload, caller.identity);
  return ApplyResponse.fromPartial({ appliedRevision: revision, diff });
}

/**
 * The revision number the next apply of `current` commits: one above every number it has used.
 *
 * @example
 * nextRevision(undefined); // 1
 */
export function nextRevision(current: Deployment | undefined): number {
  if (!current) return 1;
  const used = current.history.map((entry) => entry.revision);
  return Math.max(current.appliedRevision, current.previousRevision, ...used) + 1;
}

/** The cluster facts of manifests.md §4 steps 10–13 for `deployment`, from `view`. */
export function clusterFacts(view: StateView, deployment: string, caller: Caller): ClusterFacts {
  const ports = new Map<number, string>();
  for (const route of view.tcpRoutes()) {
    if (route.deployment !== deployment) ports.set(route.publishedPort, route.deployment);
  }
  return {
    members: view.nodes().map((node) => node.hostname),
    routesOwnedByOthers: view.routes()
      .filter((route) => route.deployment !== deployment)
      .map((route) => ({
        domain: route.domain,
        path: route.path,
        deployment: route.deployment,
        tls: route.tlsAuto ? "auto" : "off",
      })),
    portsOwnedByOthers: ports,
    caller: {
      identity: caller.identity,
      local: caller.local,
      allowsPrivileged: view.token(caller.identity)?.allowsPrivileged === true,
    },
  };
}

function childCommand(payload: Command["payload"]): Command {
  return { clusterId: "", raftIndex: 0, ts: undefined, identity: "", payload };
}
