/**
 * The effective per-service spec (manifests.md §1.8): every compose service
 * yields one, the jaco.yaml override (if any) wins field by field.
 *
 * @module
 */

import type { PlacementMode } from "./_jaco_fields.ts";
import { networkNamesOf } from "./_service_facts.ts";
import type { ComposeProject } from "./compose_project.ts";
import type { JacoManifest } from "./jaco_manifest.ts";

/** What the scheduler places for one service (`ServiceSpec` in rpc.md). */
export interface ServiceSpec {
  name: string;
  /** Desired count; the scheduler ignores it for `global` (one per ready node). */
  replicas: number;
  placement: PlacementMode;
  /** Pinned hosts (meaningful for `hosts` placement). */
  hosts: string[];
  /** Networks to attach; `[]` means the implicit `_default` (none for `network_mode` services). */
  networks: string[];
}

/**
 * Compose's implicit `default` network and JACO's `_default` are the same
 * network, so a service listing `default` shares it with services that list
 * nothing.
 */
export function canonicalNetworkName(name: string): string {
  return name === "default" ? "_default" : name;
}

/**
 * Merges a jaco.yaml and a compose project into one spec per compose
 * service, sorted by name: replicas = jaco → compose `deploy.replicas` → 1;
 * placement = jaco → spread; hosts = jaco → []; networks = jaco (non-empty)
 * → sorted compose networks → [].
 *
 * @example
 * ```ts
 * effectiveServices(parseJacoManifest(jacoText), parseComposeProject(composeText));
 * // [{ name: "web", replicas: 2, placement: "spread", hosts: [], networks: ["edge"] }, …]
 * ```
 */
export function effectiveServices(jaco: JacoManifest, compose: ComposeProject): ServiceSpec[] {
  const overrides = new Map(jaco.services.map((entry) => [entry.name, entry]));
  return compose.serviceNames.map((name): ServiceSpec => {
    const service = compose.services.get(name)!;
    const override = overrides.get(name);
    const composeNetworks = [...new Set(networkNamesOf(service).map(canonicalNetworkName))].sort();
    return {
      name,
      replicas: override?.replicas ?? service.deploy?.replicas ?? 1,
      placement: override?.placement ?? "spread",
      hosts: [...(override?.hosts ?? [])],
      networks: override && override.networks.length > 0
        ? [...new Set(override.networks.map(canonicalNetworkName))]
        : composeNetworks,
    };
  });
}
