/**
 * The node agent: the per-node runtime reconciler (scheduling.md §7–§9) that runs this node's
 * replicas on the local Docker engine and writes their observations on transitions only.
 *
 * Docker socket: auth-and-config.md defines no jacod.yaml key for it, so the agent uses
 * `/run/docker.sock` (the path the packaged unit and the rig hosts share), or the path of a
 * `unix://` `DOCKER_HOST` when that is set (the Docker CLI's own convention). A missing Docker
 * never stops jacod: the agent logs `docker unreachable, runtime disabled` and keeps retrying.
 *
 * @example
 * ```ts
 * // daemon/node/member_loops.ts
 * { name: "runtime", start: startRuntimeAgent },
 * ```
 *
 * @module
 */
import { defaultDockerSocket, dockerEngine } from "../../runtime/mod.ts";
import { DockerBridges } from "../../net/mod.ts";
import { LocalNetworks } from "../network/local_networks.ts";
import { isolationGate } from "../network/isolation_gate.ts";
import type { MemberContext, MemberLoop } from "../node/member_loops.ts";
import { RuntimeAgent } from "./runtime_agent.ts";

export { RuntimeAgent, type RuntimeAgentOptions } from "./runtime_agent.ts";
export { type UnmetDependency, unmetDependency, wakesDependents } from "./depends_gate.ts";
export {
  observationIdentity,
  type ObservationInput,
  ObservationPublisher,
  type ObservationPublisherOptions,
} from "./observation_publisher.ts";
export { type PipelineContext, type StartOutcome, startReplica } from "./start_pipeline.ts";

/**
 * The Docker socket the agent drives: the path of a `unix://` `DOCKER_HOST`, else
 * `/run/docker.sock`.
 */
export function dockerSocketPath(env: { get(key: string): string | undefined } = Deno.env): string {
  const host = env.get("DOCKER_HOST") ?? "";
  return host.startsWith("unix://") ? host.slice("unix://".length) : defaultDockerSocket;
}

/** Member loop factory: starts the runtime agent of this node on the local Docker engine. */
export function startRuntimeAgent(context: MemberContext): MemberLoop {
  const agent = new RuntimeAgent({
    nodeName: context.nodeName,
    state: context.state,
    submit: (payload, identity) => context.submit(payload, identity),
    engine: dockerEngine({ socketPath: dockerSocketPath() }),
    log: context.log,
    now: () => context.now(),
    networks: context.ensureSubnet && new LocalNetworks({
      nodeName: context.nodeName,
      view: () => context.state.view(),
      ensureSubnet: context.ensureSubnet,
      bridges: new DockerBridges(dockerSocketPath(), context.log),
      isolated: (cidr) => isolationGate(context.nodeName).wait(cidr),
    }),
  });
  agent.start();
  return { stop: () => agent.stop() };
}
