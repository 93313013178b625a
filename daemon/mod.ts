/**
 * jacod, the JACO daemon: configuration, the local control API, cluster PKI and token secrets.
 *
 * @module
 */
export {
  CaMaterialError,
  certificateFingerprint,
  certificateIdentity,
  CLUSTER_CA_NAME,
  createClusterCa,
  createNodeKeyAndCsr,
  signNodeCsr,
  usableLocalIps,
  verifyIssuedBy,
} from "./pki.ts";
export type { CertAndKey, CertificateIdentity, LocalInterface } from "./pki.ts";
export { hashSecret, newSecretHex, parseBearer, randomBytes, secretsEqual } from "./secrets.ts";
export type { RandomSource } from "./secrets.ts";
export { letsEncryptProduction, letsEncryptStaging, parseDaemonConfig } from "./config.ts";
export type { DaemonConfig } from "./config.ts";
export { defaultConfigPath, loadDaemonConfig } from "./config_load.ts";
export type { LoadDaemonConfigOptions, LoadedDaemonConfig } from "./config_load.ts";
export type { HostPort } from "./host_port.ts";
export { formatHostPort } from "./host_port.ts";
export { chooseLogLevel, LogLevel, parseLogLevel } from "./config_log_level.ts";
export type { LogLevelChoice } from "./config_log_level.ts";
export { pickAdvertiseAddress, resolveAddresses } from "./addresses.ts";
export type { ResolvedAddresses } from "./addresses.ts";
export { readHostInterfaces } from "./host_interfaces.ts";
export { readTextFileIfExists } from "./config_file.ts";
export { resolverForwarders } from "./dns_forwarders.ts";
export type { ResolverForwarders } from "./dns_forwarders.ts";
export * from "./api/mod.ts";
export * from "./membership/mod.ts";
export * from "./audit/mod.ts";
export * from "./node/mod.ts";
export * from "./backup/mod.ts";
