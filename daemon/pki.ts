/**
 * The cluster's public-key infrastructure (cluster.md §2 steps 4–6, §3;
 * auth-and-config.md §6): the self-signed cluster CA, node keys and CSRs,
 * CSR signing, and inspection of certificates.
 *
 * Keys are Ed25519 everywhere, as the spec says; `pki_tls_test.ts` proves
 * real handshakes with them: mutual TLS through node:tls and grpc-js, and
 * Deno.connectTls both verifying a server and presenting a client cert
 * (Deno.listenTls cannot ask for client certs at all). Deno's TLS is rustls,
 * stricter than OpenSSL: node certs carry EKU serverAuth + clientAuth and
 * SANs for every dialled address.
 * Under Deno, grpc-js cannot dial an IP over TLS unless the channel option
 * `grpc.ssl_target_name_override` names the peer's hostname (Deno's node:tls
 * refuses an IP as SNI servername); node certs carry the hostname as DNS SAN
 * for exactly that, and the check is real (a wrong name is refused).
 *
 * Decisions where the spec is silent or the reference is loose:
 * - keyUsage keyEncipherment is left out of node certs: it only makes sense
 *   for RSA key transport, and signNodeCsr accepts Ed25519 CSRs only.
 * - The signer never copies anything from the CSR but the CN and DNS/IP SANs;
 *   the subject must be a single CN and, when `expectedHostname` is given,
 *   CN and DNS SANs must be exactly that name (a joiner cannot ask for
 *   another node's identity). IP SANs are copied as asked: which addresses a
 *   joiner may claim is the join handler's policy, not the signer's.
 * - A node cert never outlives its CA: notAfter is clamped to the CA's.
 *
 * @module
 */
import { JacoError } from "../proto/errors.ts";
import type { RandomSource } from "./secrets.ts";
import {
  CaMaterialError,
  certificateFingerprint,
  type CertificateIdentity,
  certificateIdentity,
  fromPem,
  generateKeyPair,
  importSigningKey,
  isIpv4,
  isIpv6,
  KEY_ALGORITHM,
  namesOf,
  privateKeyPem,
  randomSerialHex,
  tenYearValidity,
  verifyIssuedBy,
  x509,
} from "./_x509.ts";

export { CaMaterialError, certificateFingerprint, certificateIdentity, verifyIssuedBy };
export type { CertificateIdentity };
export { usableLocalIps } from "./local_ips.ts";
export type { LocalInterface } from "./local_ips.ts";

/** Common name of the cluster CA. */
export const CLUSTER_CA_NAME = "JACO Cluster CA";

/** A certificate and its private key, both PEM (`CERTIFICATE`, PKCS#8 `PRIVATE KEY`). */
export interface CertAndKey {
  certPem: string;
  keyPem: string;
}

const SAN_OID = "2.5.29.17";
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function sanExtension(dnsNames: string[], ips: string[]): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension([
    ...dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...ips.map((value) => ({ type: "ip" as const, value })),
  ]);
}

/**
 * Creates the cluster CA: a fresh Ed25519 key and a self-signed certificate
 * (CN `JACO Cluster CA`, basicConstraints CA:true critical, keyUsage
 * keyCertSign + cRLSign + digitalSignature, 128-bit random serial, valid
 * now − 1 min … now + 10 years).
 *
 * @throws {JacoError} `rand_failed` when the random source fails
 * @example
 * ```ts
 * const ca = await createClusterCa({ now: new Date() });
 * ```
 */
export async function createClusterCa(
  options: { now: Date; random?: RandomSource },
): Promise<CertAndKey> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialHex(options.random),
    name: new x509.Name([{ CN: [CLUSTER_CA_NAME] }]),
    ...tenYearValidity(options.now),
    keys,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: await privateKeyPem(keys.privateKey) };
}

/**
 * Creates a node's Ed25519 key and a CSR naming it: CN = hostname, DNS SAN =
 * hostname (unless the hostname is itself an IP), IP SANs = `ips` plus the
 * hostname when it is an IP, de-duplicated in first-seen order.
 *
 * @throws {JacoError} `validation_failed` when the hostname is not a valid host name or IP, or an
 *   entry of `ips` is not an IP address
 */
export async function createNodeKeyAndCsr(
  options: { hostname: string; ips: readonly string[] },
): Promise<{ keyPem: string; csrPem: string }> {
  const { hostname } = options;
  const hostnameIsIp = isIpv4(hostname) || isIpv6(hostname);
  if (!hostnameIsIp && !HOSTNAME.test(hostname)) {
    throw new JacoError("validation_failed", `hostname "${hostname}" is not a valid host name`, {
      field: "hostname",
      value: hostname,
    });
  }
  for (const ip of options.ips) {
    if (!isIpv4(ip) && !isIpv6(ip)) {
      throw new JacoError("validation_failed", `ips entry "${ip}" is not an IP address`, {
        field: "ips",
        value: ip,
      });
    }
  }
  const ips = [...new Set([...options.ips, ...(hostnameIsIp ? [hostname] : [])])];
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: new x509.Name([{ CN: [hostname] }]),
    keys,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [sanExtension(hostnameIsIp ? [] : [hostname], ips)],
  });
  return { keyPem: await privateKeyPem(keys.privateKey), csrPem: csr.toString("pem") + "\n" };
}

/** The CSR's SAN extension (getExtension by OID returns the generic class; re-read it typed). */
function csrSans(csr: x509.Pkcs10CertificateRequest): x509.SubjectAlternativeNameExtension | null {
  const extension = csr.getExtension(SAN_OID);
  return extension ? new x509.SubjectAlternativeNameExtension(extension.rawData) : null;
}

function csrInvalid(message: string, cause?: unknown): JacoError {
  return new JacoError("csr_invalid", message, {}, cause === undefined ? undefined : { cause });
}

async function parseVerifiedCsr(csrPem: string): Promise<x509.Pkcs10CertificateRequest> {
  if (!fromPem("CERTIFICATE REQUEST", csrPem)) {
    throw csrInvalid("csr_pem is not a PEM certificate request");
  }
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (cause) {
    throw csrInvalid("csr_pem does not parse as a PKCS#10 request", cause);
  }
  if (csr.publicKey.algorithm.name !== KEY_ALGORITHM.name) {
    throw csrInvalid(`csr_pem key algorithm ${csr.publicKey.algorithm.name} is not Ed25519`);
  }
  let valid = false;
  try {
    valid = await csr.verify();
  } catch (cause) {
    throw csrInvalid("csr_pem signature cannot be verified", cause);
  }
  if (!valid) throw csrInvalid("csr_pem signature does not match its public key");
  return csr;
}

/**
 * Signs a node CSR with the cluster CA after verifying the CSR's
 * self-signature. The certificate copies the CN and the DNS/IP SANs, gets a
 * 128-bit random serial, validity now − 1 min … now + 10 years (never past the
 * CA's notAfter), keyUsage digitalSignature and EKU serverAuth + clientAuth.
 *
 * @throws {JacoError} `csr_invalid` when the CSR does not parse, is not Ed25519, its signature is
 *   bad, its subject is not a single valid CN, it has no DNS/IP SAN, or it names someone other
 *   than `expectedHostname`
 * @throws {JacoError} `ca_missing` when the CA cert or key is empty
 * @throws {JacoError} `rand_failed` when the random source fails
 * @throws {CaMaterialError} when the stored CA cert and key do not parse or do not belong together
 */
export async function signNodeCsr(options: {
  caCertPem: string;
  caKeyPem: string;
  csrPem: string;
  now: Date;
  /** When set, the CSR's CN and DNS SANs must be exactly this name. */
  expectedHostname?: string;
  random?: RandomSource;
}): Promise<string> {
  if (!options.caCertPem.trim() || !options.caKeyPem.trim()) {
    throw new JacoError("ca_missing", "cluster ca is missing from state");
  }
  const csr = await parseVerifiedCsr(options.csrPem);
  const cns = csr.subjectName.getField("CN");
  if (cns.length !== 1 || csr.subjectName.toJSON().length !== 1) {
    throw csrInvalid(`csr_pem subject "${csr.subject}" must be a single CN`);
  }
  const commonName = cns[0];
  const { dnsNames, ips } = namesOf(csrSans(csr));
  if (dnsNames.length === 0 && ips.length === 0) {
    // rustls matches only subjectAltNames, never the CN, so such a cert could not serve TLS.
    throw csrInvalid(`csr_pem for "${commonName}" names no DNS or IP subjectAltName`);
  }
  const expected = options.expectedHostname;
  if (
    expected !== undefined &&
    (commonName !== expected || dnsNames.some((name) => name !== expected))
  ) {
    throw csrInvalid(
      `csr_pem names "${commonName}" (dns ${dnsNames.join(",")}), expected "${expected}"`,
    );
  }
  if (
    ![commonName, ...dnsNames].every((name) => HOSTNAME.test(name) || isIpv4(name) || isIpv6(name))
  ) {
    throw csrInvalid(
      `csr_pem names "${[commonName, ...dnsNames].join(",")}" are not all valid host names`,
    );
  }
  let caCert: x509.X509Certificate;
  try {
    caCert = new x509.X509Certificate(options.caCertPem);
  } catch (cause) {
    throw new CaMaterialError("ca cert does not parse", { cause });
  }
  const caKey = await importSigningKey(options.caKeyPem);
  const validity = tenYearValidity(options.now);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(options.random),
    subject: new x509.Name([{ CN: [commonName] }]),
    issuer: caCert.subjectName,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter < caCert.notAfter ? validity.notAfter : caCert.notAfter,
    publicKey: csr.publicKey,
    signingKey: caKey,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      sanExtension(dnsNames, ips),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  const certPem = cert.toString("pem") + "\n";
  if (!await verifyIssuedBy(certPem, options.caCertPem)) {
    throw new CaMaterialError("ca key does not belong to the ca cert");
  }
  return certPem;
}
