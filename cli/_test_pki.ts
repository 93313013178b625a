/**
 * Test-only certificate minting for the transport tests: a CA and CA-signed server
 * certificates with chosen SANs (ECDSA P-256). `raft/_testing/pki.ts` does the same for raft,
 * but features may only import each other through `mod.ts` (tests/boundaries_test.ts), so
 * the CLI keeps this small copy of the idea until a shared test PKI exists.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** A PEM certificate with its PKCS#8 PEM key. */
export interface CertAndKey {
  cert: string;
  key: string;
}

/** A CA that signs server certificates. */
export interface TestAuthority {
  cert: string;
  /** A server certificate naming these IPs and DNS names. */
  issue(names: { ips?: string[]; dnsNames?: string[] }): Promise<CertAndKey>;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]) as CryptoKeyPair;
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  const base64 = btoa(String.fromCharCode(...der)).match(/.{1,64}/g)!.join("\n");
  return `-----BEGIN PRIVATE KEY-----\n${base64}\n-----END PRIVATE KEY-----\n`;
}

function window(): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000) };
}

function serialNumber(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  bytes[0] &= 0x7f; // keep it positive
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Mints a self-signed CA named `CN=<name>`. */
export async function mintAuthority(name: string): Promise<TestAuthority> {
  x509.cryptoProvider.set(crypto);
  const caKeys = await keyPair();
  const subject = `CN=${name}`;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: subject,
    ...window(),
    keys: caKeys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
    ],
  });
  return {
    cert: `${caCert.toString("pem")}\n`,
    async issue({ ips = [], dnsNames = [] }) {
      const keys = await keyPair();
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serialNumber(),
        subject: `CN=${dnsNames[0] ?? ips[0] ?? "server"}`,
        issuer: subject,
        ...window(),
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: algorithm,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension([
            ...ips.map((value) => ({ type: "ip" as const, value })),
            ...dnsNames.map((value) => ({ type: "dns" as const, value })),
          ]),
        ],
      });
      return { cert: `${cert.toString("pem")}\n`, key: await keyPem(keys) };
    },
  };
}
