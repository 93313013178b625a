/**
 * Creating a replica container with what it needs first (scheduling.md §7.3 step 8): the
 * per-host bridge of every network it joins (`jaco_<deployment>_<network>`, created if missing,
 * labelled with the cluster and deployment) and its named volumes (`jaco_<deployment>_<key>`,
 * kept when the container goes). Cross-host networking belongs to net/: when the caller has
 * already ensured the bridges with their /24s (`networksReady`, the daemon's start pipeline),
 * the plain per-host bridge is not created here, so a vanished bridge surfaces as Docker's
 * error instead of being replaced by one without JACO's subnet.
 *
 * @module
 */
import type { ContainerEngine, ContainerSpec } from "./engine.ts";
import { JacoLabel } from "./names.ts";

/**
 * Ensures the spec's networks and named volumes exist, then creates the container (not
 * started) and returns its id.
 *
 * @throws whatever the engine throws (e.g. an image missing under `pull_policy: never`)
 */
export async function createReplicaContainer(
  engine: ContainerEngine,
  spec: ContainerSpec,
  options: { networksReady?: boolean } = {},
): Promise<string> {
  const scope = {
    [JacoLabel.clusterId]: spec.Labels[JacoLabel.clusterId] ?? "",
    [JacoLabel.deployment]: spec.Labels[JacoLabel.deployment] ?? "",
  };
  for (const { network } of options.networksReady ? [] : spec.networks) {
    await engine.ensureNetwork(network, { ...scope, [JacoLabel.network]: network });
  }
  for (const mount of spec.HostConfig.Mounts ?? []) {
    if (mount.Type !== "volume" || mount.Source === "") continue;
    await engine.ensureVolume(mount.Source, { ...scope, [JacoLabel.volume]: mount.Source });
  }
  return await engine.createContainer(spec);
}
