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
