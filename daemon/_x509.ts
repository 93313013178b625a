/**
 * Low-level X.509 helpers behind `pki.ts`: the one place that loads
 * `@peculiar/x509` (which needs `reflect-metadata` first and the WebCrypto
 * provider set), PEM encoding, random serials, validity windows, IP address
 * parsing, and the read side (fingerprint, names, issuer check), which
 * `pki.ts` re-exports.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { JacoError } from "../proto/errors.ts";
import { randomBytes, type RandomSource } from "./secrets.ts";
import { ipv4Octets, isIpv4, isIpv6 } from "./local_ips.ts";

x509.cryptoProvider.set(crypto);

export { x509 };
export { ipv4Octets, isIpv4, isIpv6 };

/**
 * Key algorithm of the cluster CA and node keys. Ed25519 as the spec says:
 * checked by real mutual-TLS handshakes (node:tls, Deno.listenTls/connectTls,
 * grpc-js) in `pki_test.ts`.
 */
export const KEY_ALGORITHM = { name: "Ed25519" } as const;

/** Ten years, the validity of the CA and of node certificates. */
export const TEN_YEARS_MS = 10 * 365.25 * 24 * 3600 * 1000;
/** Backdating of notBefore so a peer whose clock lags a little still accepts the cert. */
export const BACKDATE_MS = 60 * 1000;

/** Encodes DER bytes as PEM with the given label, 64-character lines, trailing newline. */
export function toPem(label: string, der: ArrayBuffer): string {
  const bytes = new Uint8Array(der);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Decodes the first PEM block with the given label; `undefined` when there is none or it is not base64. */
export function fromPem(label: string, pem: string): Uint8Array<ArrayBuffer> | undefined {
  const match = new RegExp(`-----BEGIN ${label}-----([^-]*)-----END ${label}-----`).exec(pem);
  if (!match) return undefined;
  try {
    const binary = atob(match[1].replace(/\s+/g, ""));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    // atob throws on non-base64 text; the caller reports "no PEM block" its own way.
    return undefined;
  }
}

/**
 * A 128-bit random serial number as hex. The X.509 generator encodes it as a
 * positive DER INTEGER (it prepends a zero byte when the top bit is set).
 *
 * @throws {JacoError} `rand_failed` when the random source fails
 */
export function randomSerialHex(random?: RandomSource): string {
  const bytes = randomBytes(16, random);
  // An all-zero draw would encode as serial 0, which RFC 5280 forbids.
  if (bytes.every((byte) => byte === 0)) bytes[15] = 1;
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Validity window now − 1 min … now + 10 years. */
export function tenYearValidity(now: Date): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + TEN_YEARS_MS),
  };
}

/** Generates an extractable signing key pair of {@link KEY_ALGORITHM}. */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return await crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]) as CryptoKeyPair;
}

/** Exports a private key as PKCS#8 PEM (`PRIVATE KEY`). */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  return toPem("PRIVATE KEY", await crypto.subtle.exportKey("pkcs8", key));
}

/** Stored CA material (from replicated state) that does not parse or does not fit together. */
export class CaMaterialError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CaMaterialError";
  }
}

/**
 * Imports a PKCS#8 PEM private key for signing.
 *
 * @throws {CaMaterialError} when the PEM is not an Ed25519 PKCS#8 key
 */
export async function importSigningKey(pem: string): Promise<CryptoKey> {
  const der = fromPem("PRIVATE KEY", pem);
  if (!der) throw new CaMaterialError("ca key is not a PKCS#8 PEM private key");
  try {
    return await crypto.subtle.importKey("pkcs8", der, KEY_ALGORITHM, false, ["sign"]);
  } catch (cause) {
    throw new CaMaterialError("ca key is not an Ed25519 private key", { cause });
  }
}

/** Who a certificate names. */
export interface CertificateIdentity {
  commonName: string;
  dnsNames: string[];
  ips: string[];
}

function parseCertificate(pem: string, field: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch (cause) {
    throw new JacoError("validation_failed", `${field} is not a PEM certificate`, { field }, {
      cause,
    });
  }
}

/** The DNS and IP names of a subjectAltName extension (none when absent). */
export function namesOf(
  extension: x509.SubjectAlternativeNameExtension | null,
): { dnsNames: string[]; ips: string[] } {
  const items = extension?.names.items ?? [];
  return {
    dnsNames: items.filter((item) => item.type === "dns").map((item) => item.value),
    ips: items.filter((item) => item.type === "ip").map((item) => item.value),
  };
}

/**
 * SHA-256 of the certificate's DER encoding as 64 lowercase hex characters
 * (the form of `Node.server_cert_fingerprint` and of CA pinning).
 *
 * @throws {JacoError} `validation_failed` when the PEM is not a certificate
 */
export async function certificateFingerprint(certPem: string): Promise<string> {
  const cert = parseCertificate(certPem, "certificate");
  const digest = await crypto.subtle.digest("SHA-256", cert.rawData);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The CN and subjectAltNames of a certificate.
 *
 * @throws {JacoError} `validation_failed` when the PEM is not a certificate
 */
export function certificateIdentity(certPem: string): CertificateIdentity {
  const cert = parseCertificate(certPem, "certificate");
  const commonName = cert.subjectName.getField("CN")[0] ?? "";
  return { commonName, ...namesOf(cert.getExtension(x509.SubjectAlternativeNameExtension)) };
}

/**
 * True when `certPem` names `caPem`'s subject as issuer, its signature
 * verifies under the CA's public key, and the CA is a CA (basicConstraints
 * CA:true). Validity dates are not checked: TLS does that at handshake time.
 *
 * @throws {JacoError} `validation_failed` when either PEM is not a certificate
 */
export async function verifyIssuedBy(certPem: string, caPem: string): Promise<boolean> {
  const cert = parseCertificate(certPem, "certificate");
  const ca = parseCertificate(caPem, "ca certificate");
  if (!ca.getExtension(x509.BasicConstraintsExtension)?.ca) return false;
  if (cert.issuer !== ca.subject) return false;
  try {
    return await cert.verify({ publicKey: ca.publicKey, signatureOnly: true });
  } catch {
    // A key of another algorithm than the signature's throws instead of returning false: not issued by it.
    return false;
  }
}
