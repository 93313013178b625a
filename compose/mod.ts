/**
 * Manifest handling, pure (no filesystem, runs on Deno and Node): decoding
 * and validating `jaco.yaml` and the compose subset JACO accepts, the
 * cross-file and cluster checks of the apply pipeline, the merge into
 * effective service specs, TCP routes, volume naming, spec hashes, and JSON
 * Schemas generated from the same field tables. Functions take text, never
 * paths; every user-facing failure is a `JacoError`.
 *
 * @module
 */

export {
  type JacoManifest,
  type JacoServiceOverride,
  parseJacoManifest,
  type RouteSpec,
} from "./jaco_manifest.ts";
export { PlacementMode, TlsMode } from "./_jaco_fields.ts";
export {
  type ComposeNetwork,
  type ComposeParseOptions,
  type ComposeProject,
  type ComposeService,
  type ComposeVolume,
  parseComposeProject,
} from "./compose_project.ts";
export {
  allowPrivilegedLabel,
  type DependsOnEntry,
  dependsOnOf,
  gatedFieldsOf,
  labelOf,
  networkNamesOf,
} from "./_service_facts.ts";
export {
  type ApplyCaller,
  checkClusterFacts,
  checkManifestPair,
  type ClusterFacts,
  type ForeignRoute,
  type GatedService,
  gatedServicesOf,
} from "./cross_check.ts";
export { canonicalNetworkName, effectiveServices, type ServiceSpec } from "./merge.ts";
export {
  parsePortEntry,
  type PortMapping,
  PortSyntaxError,
  reservedHostPorts,
  type TcpRoute,
  tcpRoutesOf,
} from "./ports.ts";
export {
  MountType,
  parseVolumeEntry,
  serviceMounts,
  type VolumeMount,
  volumeSourceName,
  VolumeSyntaxError,
} from "./volumes.ts";
export { canonicalJson, specHash } from "./spec_hash.ts";
export { parseByteSize, parseDurationMs } from "./_formats.ts";
export { composeSubsetSchema, jacoManifestSchema } from "./schema.ts";
export { type ValidateInput, validateManifests, type ValidationReport } from "./validate.ts";
export { manifestWarnings } from "./warnings.ts";
export * from "./preprocess.ts";
