/**
 * Test certificate minting shared by every feature's TLS tests and the
 * benchmarks: a CA and leaf certificates shaped the way rustls (Deno's TLS)
 * insists on — CA with basicConstraints CA:true; leaves with keyUsage
 * digitalSignature, EKU serverAuth AND clientAuth, and SANs for every name/IP
 * a peer dials. Keys are Ed25519 by default, like the daemon's real PKI
 * (`daemon/pki.ts`); ECDSA P-256 on request. For tests and benches only:
 * production certificates come from `daemon/pki.ts`.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

/** Key algorithms the helper mints. */
export type TestKeyAlgorithm = "Ed25519" | "P-256";

const algorithms = {
  "Ed25519": { name: "Ed25519" },
  "P-256": { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" },
} as const;

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface PemPair {
  cert: string;
  key: string;
}

/** A CA able to sign leaf certificates. */
export interface TestCa extends PemPair {
  sign(options: LeafOptions): Promise<PemPair>;
}

/** What a leaf certificate names. */
export interface LeafOptions {
  commonName: string;
  /** IP SANs (default 127.0.0.1; pass [] for none). */
  ips?: string[];
  /** DNS SANs (default localhost; pass [] for none). */
  dnsNames?: string[];
}

interface Issuer {
  name: string;
  keys: CryptoKeyPair;
  algorithm: TestKeyAlgorithm;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`;
}

function serial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x01; // positive and never zero
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function validity(): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - 3_600_000), notAfter: new Date(now + 86_400_000) };
}

async function generateKeys(algorithm: TestKeyAlgorithm): Promise<CryptoKeyPair> {
  x509.cryptoProvider.set(crypto);
  return await crypto.subtle.generateKey(algorithms[algorithm], true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
}

async function leafCert(issuer: Issuer, options: LeafOptions): Promise<PemPair> {
  const keys = await generateKeys(issuer.algorithm);
  const names = [
    ...(options.ips ?? ["127.0.0.1"]).map((value) => ({ type: "ip" as const, value })),
    ...(options.dnsNames ?? ["localhost"]).map((value) => ({ type: "dns" as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${options.commonName}`,
    issuer: issuer.name,
    ...validity(),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: algorithms[issuer.algorithm],
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
  const key = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { cert: cert.toString("pem") + "\n", key: pem("PRIVATE KEY", key) };
}

/** Mints a fresh CA named `CN=<commonName>`. */
export async function mintCa(
  commonName = "jaco test ca",
  algorithm: TestKeyAlgorithm = "Ed25519",
): Promise<TestCa> {
  const keys = await generateKeys(algorithm);
  const name = `CN=${commonName}`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name,
    ...validity(),
    keys,
    signingAlgorithm: algorithms[algorithm],
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
    ],
  });
  const key = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return {
    cert: cert.toString("pem") + "\n",
    key: pem("PRIVATE KEY", key),
    sign: (options) => leafCert({ name, keys, algorithm }, options),
  };
}

/** Mints a self-signed leaf (signed by nobody's CA): the "impostor" certificate of tests. */
export async function mintSelfSigned(
  commonName: string,
  algorithm: TestKeyAlgorithm = "Ed25519",
): Promise<PemPair> {
  const keys = await generateKeys(algorithm);
  return await leafCert({ name: `CN=${commonName}`, keys, algorithm }, { commonName });
}
