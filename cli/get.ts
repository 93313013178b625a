/**
 * `jaco get deployments|deployment <name>|replicas|replica <id>|routes|route <domain>` (cli.md
 * `jaco get`): read-only views from any node, every form honouring `-o table|json|yaml`.
 *
 * Decisions where the spec is silent: `get deployment` and `get replica` of an unknown name are
 * local errors (`deployment "<name>" not found`, `replica "<id>" not found`), exit 1, as cli.md
 * says; `get route` of an unknown domain is the daemon's `route_not_found`.
 *
 * @module
 */
import type { Command } from "./_command.ts";
import {
  renderDeployment,
  renderDeployments,
  renderReplica,
  renderReplicas,
  renderRoute,
  renderRoutes,
} from "./get_render.ts";
import { transportFlagSpecs } from "./_transport_flags.ts";
import { statusDeadlineMs, transportHelp, withClient } from "./status.ts";

const options = { deadlineMs: statusDeadlineMs };
const flagOf = (value: unknown) => typeof value === "string" ? value : "";

/** Raised for a named entity the daemon does not have (printed as its plain message). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

/** `jaco get deployments`. */
export const getDeploymentsCommand: Command = {
  usage: "jaco get deployments [transport flags] [-o table|json|yaml]",
  help: `Lists deployments with their revisions, status and services.\n\n${transportHelp}`,
  flags: { ...transportFlagSpecs },
  args: { min: 0, max: 0 },
  run: (context) =>
    withClient(context, async (client) => {
      const status = await client.unary("Deploy", "Status", {
        deploymentFilter: "",
        serviceFilter: "",
      }, options);
      context.io.stdout(await renderDeployments(status.deployments, context.globals.output));
      return 0;
    }),
};

/** `jaco get deployment <name>`. */
export const getDeploymentCommand: Command = {
  usage: "jaco get deployment <name> [transport flags] [-o table|json|yaml]",
  help:
    `Shows one deployment: revision, status, services and the stored manifests.\n\n${transportHelp}`,
  flags: { ...transportFlagSpecs },
  args: { min: 1, max: 1 },
  run: (context) =>
    withClient(context, async (client) => {
      const name = context.args[0];
      const status = await client.unary("Deploy", "Status", {
        deploymentFilter: name,
        serviceFilter: "",
      }, options);
      const deployment = status.deployments.find((d) => d.name === name);
      if (!deployment) throw new NotFoundError(`deployment "${name}" not found`);
      context.io.stdout(await renderDeployment(deployment, context.globals.output));
      return 0;
    }),
};

/** `jaco get replicas [--deployment D] [--service S]`. */
export const getReplicasCommand: Command = {
  usage: "jaco get replicas [--deployment D] [--service S] [transport flags] [-o table|json|yaml]",
  help: `Lists desired replicas with their observed state.

  --deployment <D>    only this deployment
  --service <S>       only this service
${transportHelp}`,
  flags: { deployment: { type: "string" }, service: { type: "string" }, ...transportFlagSpecs },
  args: { min: 0, max: 0 },
  run: (context) =>
    withClient(context, async (client) => {
      const response = await client.unary("Deploy", "GetReplicas", {
        deploymentFilter: flagOf(context.flags.deployment),
        serviceFilter: flagOf(context.flags.service),
        replicaId: "",
      }, options);
      context.io.stdout(await renderReplicas(response.replicas, context.globals.output));
      return 0;
    }),
};

/** `jaco get replica <id>`. */
export const getReplicaCommand: Command = {
  usage: "jaco get replica <id> [transport flags] [-o table|json|yaml]",
  help: `Shows one replica in detail, with its depends_on state.\n\n${transportHelp}`,
  flags: { ...transportFlagSpecs },
  args: { min: 1, max: 1 },
  run: (context) =>
    withClient(context, async (client) => {
      const id = context.args[0];
      const response = await client.unary("Deploy", "GetReplicas", {
        deploymentFilter: "",
        serviceFilter: "",
        replicaId: id,
      }, options);
      const replica = response.replicas.find((r) => r.id === id);
      if (!replica) throw new NotFoundError(`replica "${id}" not found`);
      context.io.stdout(await renderReplica(replica, context.globals.output));
      return 0;
    }),
};

/** `jaco get routes [--domain D]`. */
export const getRoutesCommand: Command = {
  usage: "jaco get routes [--domain D] [transport flags] [-o table|json|yaml]",
  help: `Lists HTTP routes, sorted by domain then path.

  --domain <D>        only this domain
${transportHelp}`,
  flags: { domain: { type: "string" }, ...transportFlagSpecs },
  args: { min: 0, max: 0 },
  run: (context) =>
    withClient(context, async (client) => {
      const status = await client.unary("Deploy", "Status", {
        deploymentFilter: "",
        serviceFilter: "",
      }, options);
      const domain = flagOf(context.flags.domain).toLowerCase();
      const routes = status.routes.filter((r) => !domain || r.domain === domain);
      context.io.stdout(await renderRoutes(routes, context.globals.output));
      return 0;
    }),
};

/** `jaco get route <domain>`. */
export const getRouteCommand: Command = {
  usage: "jaco get route <domain> [transport flags] [-o table|json|yaml]",
  help:
    `Shows one domain's routes in evaluation order with upstream readiness.\n\n${transportHelp}`,
  flags: { ...transportFlagSpecs },
  args: { min: 1, max: 1 },
  run: (context) =>
    withClient(context, async (client) => {
      const response = await client.unary(
        "Deploy",
        "GetRoute",
        { domain: context.args[0] },
        options,
      );
      context.io.stdout(await renderRoute(response, context.globals.output));
      return 0;
    }),
};
