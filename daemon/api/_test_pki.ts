/**
 * Test-only certificate minting for the API tests: an Ed25519 CA shaped like the cluster CA
 * (auth-and-config.md §6) and leaves usable as TLS server and client certificates.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

const algorithm = { name: "Ed25519" } as const;

/** PEM certificate + PKCS#8 PEM key. */
export interface TestIdentity {
  certPem: string;
  keyPem: string;
}

/** A CA that signs leaves. */
export interface TestAuthority extends TestIdentity {
  issue(commonName: string): Promise<TestIdentity>;
}

function keyPem(pkcs8: ArrayBuffer): string {
  const base64 = btoa(String.fromCharCode(...new Uint8Array(pkcs8)));
  return `-----BEGIN PRIVATE KEY-----\n${
    base64.match(/.{1,64}/g)!.join("\n")
  }\n-----END PRIVATE KEY-----\n`;
}

function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function generateKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

const hour = 3_600_000;

async function issueLeaf(
  issuer: { name: string; keys: CryptoKeyPair },
  commonName: string,
): Promise<TestIdentity> {
  const keys = await generateKeys();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${commonName}`,
    issuer: issuer.name,
    notBefore: new Date(Date.now() - hour),
    notAfter: new Date(Date.now() + 24 * hour),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension([
        { type: "ip", value: "127.0.0.1" },
        { type: "dns", value: "localhost" },
        { type: "dns", value: commonName },
      ]),
    ],
  });
  return {
    certPem: certificate.toString("pem") + "\n",
    keyPem: keyPem(await crypto.subtle.exportKey("pkcs8", keys.privateKey)),
  };
}

/** Mints a CA named `CN=<commonName>`. */
export async function mintAuthority(commonName = "JACO Cluster CA"): Promise<TestAuthority> {
  x509.cryptoProvider.set(crypto);
  const keys = await generateKeys();
  const name = `CN=${commonName}`;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    notBefore: new Date(Date.now() - hour),
    notAfter: new Date(Date.now() + 24 * hour),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
    ],
  });
  return {
    certPem: certificate.toString("pem") + "\n",
    keyPem: keyPem(await crypto.subtle.exportKey("pkcs8", keys.privateKey)),
    issue: (leafName) => issueLeaf({ name, keys }, leafName),
  };
}
