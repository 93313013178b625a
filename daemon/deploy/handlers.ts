/**
 * The Deploy service's entries of the node's handler table (plus `Internal.Logs`), so the
 * composition root adds them with one spread: `...deployHandlers(deps)`.
 *
 * Every method is served by any member: reads from its applied state, writes through the
 * submitter (forwarded to the leader on a follower, the caller's identity inside the command).
 * Socket callers are `local` and bypass privileged admission (manifests.md §2.10).
 *
 * @module
 */
import type { CallContext, HandlerTable } from "../api/mod.ts";
import { applyDeployment } from "./apply.ts";
import type { Caller, DeployDeps } from "./deps.ts";
import { deployLogs, internalLogs, type LogsDeps } from "./logs.ts";
import { getReplicas, getRoute } from "./read_outs.ts";
import { deleteDeployment, rollbackDeployment } from "./rollback_delete.ts";
import { deployStatus } from "./status.ts";

/** Everything the Deploy handlers need. */
export interface DeployHandlerDeps extends DeployDeps, Omit<LogsDeps, "view"> {
  /** Clock of read-outs (route readiness). */
  now: () => Date;
}

/**
 * The `Deploy.*` and `Internal.Logs` handlers.
 *
 * @example
 * ```ts
 * const table: HandlerTable = { ...deployHandlers({ view, submit, defaultAcmeEmail: "", now, self, peerLogs }) };
 * ```
 */
export function deployHandlers(deps: DeployHandlerDeps): HandlerTable {
  const logs: LogsDeps = { ...deps };
  return {
    "/jaco.v1.Deploy/Apply": (request, call) => applyDeployment(request, callerOf(call), deps),
    "/jaco.v1.Deploy/Rollback": (request, call) =>
      rollbackDeployment(request, callerOf(call), deps),
    "/jaco.v1.Deploy/Delete": (request, call) => deleteDeployment(request, callerOf(call), deps),
    "/jaco.v1.Deploy/Status": (request) => Promise.resolve(deployStatus(deps.view(), request)),
    "/jaco.v1.Deploy/GetReplicas": (request) => Promise.resolve(getReplicas(deps.view(), request)),
    "/jaco.v1.Deploy/GetRoute": (request) =>
      Promise.resolve(getRoute(deps.view(), request, deps.now())),
    "/jaco.v1.Deploy/Logs": (request, call) => deployLogs(request, call.signal, logs),
    "/jaco.v1.Internal/Logs": (request, call) => internalLogs(request, call.signal, logs),
  };
}

function callerOf(call: CallContext): Caller {
  return { identity: call.identity, local: call.transport === "socket" };
}
