/**
 * East-west networking (networking.md): pure IPAM and bridge logic plus the small I/O modules
 * the daemon's network loops drive (Docker bridges; the mesh, firewall and DNS modules add their
 * exports below).
 *
 * @example
 * ```ts
 * import { nextFreeCidr, parsePool } from "../net/mod.ts";
 *
 * nextFreeCidr(parsePool("10.244.0.0/16"), [], { deployment: "web", network: "_default", host: "n1" });
 * // "10.244.0.0/24"
 * ```
 *
 * @module
 */

export {
  canonicalNetwork,
  defaultNetwork,
  dueForFree,
  findSubnet,
  gatewayOf,
  type IpamPool,
  nextFreeCidr,
  octetInPool,
  parsePool,
  poolSize,
  type ScopeDeployment,
  type ScopeReplica,
  scopesInUse,
  subnetCidr,
  type SubnetKey,
  subnetKeyOf,
  type SubnetRecord,
  unusedSubnets,
  utilization,
} from "./ipam.ts";
export {
  bridgeDecision,
  bridgeMtu,
  bridgeNameOf,
  type BridgeTarget,
  dockerNetworkOf,
  type ExistingNetwork,
  h4,
  type ListedNetwork,
  networkCreateBody,
  networksToRemove,
  subnetLabel,
} from "./bridge.ts";
export { type BridgeDriver, type BridgeLog, DockerBridges } from "./bridge_docker.ts";
export {
  type AnswerOptions,
  type AnswerSets,
  type AnswerSource,
  buildAnswerSets,
  healthyReplicaIds,
  isIPv4,
  type ScopeAnswers,
  scopeKey,
} from "./dns_answers.ts";
export {
  answerTtl,
  type ForwardLookup,
  type ForwardResult,
  handleQuery,
  inScopeLabel,
  normalizeName,
  type QueryLog,
  resolveQuery,
} from "./dns_query.ts";
export { DnsForwarder, splitUpstream } from "./dns_forward.ts";
export { DnsResponder, type DnsResponderOptions } from "./dns_server.ts";
export {
  localMark,
  markMask,
  natTable,
  planPublishedPorts,
  type PortPlan,
  type PortSource,
  remoteMark,
  renderNatRuleset,
} from "./published_ports.ts";
export {
  dockerUserRule,
  PublishedPortsNft,
  type RunCommand,
  runCommand,
} from "./published_ports_nft.ts";
export {
  diffModels,
  expectedModel,
  listingOf,
  type NftChain,
  type NftModel,
  nftTable,
  parseListing,
  parseRendered,
  poolSetName,
  renderRuleset,
  type RulesetSubnet,
  ruleText,
  setNameOf,
} from "./nft_ruleset.ts";
export { type ExemptionStep, exemptionSteps, headMatches, meshSubnet } from "./nft_exempt.ts";
export {
  type ExemptionFailure,
  type FirewallBackend,
  MemoryFirewall,
  NftFirewall,
} from "./nft_apply.ts";
export {
  generatePrivateKey,
  keyFromBase64,
  keyToBase64,
  loadOrCreateKeyPair,
  privateKeyPath,
  publicKeyOf,
  WireguardKeyError,
  type WireguardKeyPair,
} from "./wireguard_key.ts";
export {
  desiredRoutes,
  endpointOf,
  hostOfAddress,
  isIpLiteral,
  KEEPALIVE_SECONDS,
  MESH_INTERFACE,
  type MeshNode,
  type MeshPeer,
  type MeshSubnet,
  parseRouteDestinations,
  planPeers,
  renderWgConfig,
  staleRoutes,
} from "./wireguard_config.ts";
export {
  HostMeshDevice,
  type HostMeshDeviceOptions,
  MeshCommandError,
  type MeshDevice,
  MeshMode,
} from "./wireguard_device.ts";
