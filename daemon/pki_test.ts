import assert from "node:assert/strict";
import { X509Certificate as NodeX509 } from "node:crypto";
import { isJacoError } from "../proto/errors.ts";
import {
  certificateFingerprint,
  certificateIdentity,
  createClusterCa,
  createNodeKeyAndCsr,
  signNodeCsr,
  usableLocalIps,
  verifyIssuedBy,
} from "./pki.ts";
import { CaMaterialError, fromPem, toPem, x509 } from "./_x509.ts";

const NOW = new Date("2026-01-02T03:04:05.000Z");
const TEN_YEARS_MS = 10 * 365.25 * 24 * 3600 * 1000;

async function assertJacoError(
  promise: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isJacoError(error), `expected a JacoError, got ${error}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });
}

function keyUsage(cert: x509.X509Certificate): x509.KeyUsagesExtension {
  const extension = cert.getExtension(x509.KeyUsagesExtension);
  assert.ok(extension, "keyUsage present");
  return extension;
}

const ca = await createClusterCa({ now: NOW });

Deno.test("createClusterCa() makes a self-signed Ed25519 CA as the spec shapes it", async () => {
  const cert = new x509.X509Certificate(ca.certPem);
  assert.equal(cert.subject, "CN=JACO Cluster CA");
  assert.equal(cert.issuer, cert.subject);
  assert.equal(cert.publicKey.algorithm.name, "Ed25519");
  assert.equal(await cert.verify({ signatureOnly: true }), true);
  const constraints = cert.getExtension(x509.BasicConstraintsExtension);
  assert.equal(constraints?.ca, true);
  assert.equal(constraints?.critical, true);
  const usage = keyUsage(cert);
  assert.equal(usage.critical, true);
  assert.equal(
    usage.usages,
    x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign |
      x509.KeyUsageFlags.digitalSignature,
  );
  assert.equal(cert.notBefore.getTime(), NOW.getTime() - 60_000);
  assert.equal(cert.notAfter.getTime(), Math.floor((NOW.getTime() + TEN_YEARS_MS) / 1000) * 1000);
  assert.match(ca.certPem, /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
  assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
  const key = await crypto.subtle.importKey(
    "pkcs8",
    fromPem("PRIVATE KEY", ca.keyPem)!,
    "Ed25519",
    false,
    [
      "sign",
    ],
  );
  assert.equal(key.algorithm.name, "Ed25519");
});

Deno.test("createClusterCa() draws its 128-bit serial from the injected random source", async () => {
  const fixed = await createClusterCa({
    now: NOW,
    random: (bytes) => bytes.fill(0xa5),
  });
  assert.equal(new x509.X509Certificate(fixed.certPem).serialNumber, "a5".repeat(16));
  const a = new x509.X509Certificate(ca.certPem).serialNumber;
  const b = new x509.X509Certificate((await createClusterCa({ now: NOW })).certPem).serialNumber;
  assert.notEqual(a, b);
});

Deno.test("createClusterCa() turns a failing random source into rand_failed", async () => {
  await assertJacoError(
    createClusterCa({
      now: NOW,
      random: () => {
        throw new Error("no entropy");
      },
    }),
    "rand_failed",
  );
});

Deno.test("createNodeKeyAndCsr() names the hostname as CN and DNS SAN and de-duplicates IPs", async () => {
  const { csrPem, keyPem } = await createNodeKeyAndCsr({
    hostname: "node-1",
    ips: ["10.0.0.5", "100.64.1.2", "10.0.0.5"],
  });
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  assert.equal(csr.subject, "CN=node-1");
  assert.equal(await csr.verify(), true);
  assert.equal(csr.publicKey.algorithm.name, "Ed25519");
  const sans = new x509.SubjectAlternativeNameExtension(csr.getExtension("2.5.29.17")!.rawData);
  assert.deepEqual(sans.names.toJSON(), [
    { type: "dns", value: "node-1" },
    { type: "ip", value: "10.0.0.5" },
    { type: "ip", value: "100.64.1.2" },
  ]);
  assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
});

Deno.test("createNodeKeyAndCsr() puts an IP hostname in the IP SANs only", async () => {
  const { csrPem } = await createNodeKeyAndCsr({
    hostname: "10.1.2.3",
    ips: ["10.1.2.3", "10.9.9.9"],
  });
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  const sans = new x509.SubjectAlternativeNameExtension(csr.getExtension("2.5.29.17")!.rawData);
  assert.deepEqual(sans.names.toJSON(), [
    { type: "ip", value: "10.1.2.3" },
    { type: "ip", value: "10.9.9.9" },
  ]);
});

Deno.test("createNodeKeyAndCsr() rejects a bad hostname or a non-IP entry as validation_failed", async () => {
  await assertJacoError(
    createNodeKeyAndCsr({ hostname: "bad,name", ips: [] }),
    "validation_failed",
  );
  await assertJacoError(createNodeKeyAndCsr({ hostname: "", ips: [] }), "validation_failed");
  await assertJacoError(
    createNodeKeyAndCsr({ hostname: "n1", ips: ["node.lan"] }),
    "validation_failed",
  );
  await assertJacoError(
    createNodeKeyAndCsr({ hostname: "n1", ips: ["10.0.0.256"] }),
    "validation_failed",
  );
});

Deno.test("signNodeCsr() issues a CA-signed node cert with both EKUs and the CSR's names", async () => {
  const node = await createNodeKeyAndCsr({ hostname: "node-1", ips: ["10.0.0.5", "fd00::5"] });
  const certPem = await signNodeCsr({
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    csrPem: node.csrPem,
    now: NOW,
  });
  const cert = new x509.X509Certificate(certPem);
  assert.equal(cert.subject, "CN=node-1");
  assert.equal(cert.issuer, "CN=JACO Cluster CA");
  assert.equal(await verifyIssuedBy(certPem, ca.certPem), true);
  assert.equal(keyUsage(cert).usages, x509.KeyUsageFlags.digitalSignature);
  assert.deepEqual([...cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []], [
    x509.ExtendedKeyUsage.serverAuth,
    x509.ExtendedKeyUsage.clientAuth,
  ]);
  assert.equal(cert.getExtension(x509.BasicConstraintsExtension)?.ca, false);
  assert.deepEqual(certificateIdentity(certPem), {
    commonName: "node-1",
    dnsNames: ["node-1"],
    ips: ["10.0.0.5", "fd00::5"],
  });
  assert.equal(cert.notBefore.getTime(), NOW.getTime() - 60_000);
  // The node's public key is the one in the CSR, i.e. the node's own private key matches.
  const csr = new x509.Pkcs10CertificateRequest(node.csrPem);
  assert.deepEqual(new Uint8Array(cert.publicKey.rawData), new Uint8Array(csr.publicKey.rawData));
});

Deno.test("signNodeCsr() never lets a node cert outlive the CA", async () => {
  const node = await createNodeKeyAndCsr({ hostname: "late", ips: [] });
  const later = new Date(NOW.getTime() + 365 * 24 * 3600 * 1000);
  const certPem = await signNodeCsr({
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    csrPem: node.csrPem,
    now: later,
  });
  const caCert = new x509.X509Certificate(ca.certPem);
  assert.equal(new x509.X509Certificate(certPem).notAfter.getTime(), caCert.notAfter.getTime());
});

Deno.test("signNodeCsr() rejects a CSR with a broken signature as csr_invalid", async () => {
  const node = await createNodeKeyAndCsr({ hostname: "node-1", ips: ["10.0.0.5"] });
  const der = fromPem("CERTIFICATE REQUEST", node.csrPem)!;
  der[der.length - 1] ^= 0x01; // the signature is the last field of the DER
  const broken = toPem("CERTIFICATE REQUEST", der.buffer);
  await assertJacoError(
    signNodeCsr({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: broken, now: NOW }),
    "csr_invalid",
    /signature does not match/,
  );
});

Deno.test("signNodeCsr() rejects garbage and non-Ed25519 CSRs as csr_invalid", async () => {
  const sign = (csrPem: string) =>
    signNodeCsr({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, now: NOW });
  await assertJacoError(sign(""), "csr_invalid");
  await assertJacoError(sign("not a csr"), "csr_invalid");
  await assertJacoError(
    sign(toPem("CERTIFICATE REQUEST", new Uint8Array([1, 2, 3]).buffer)),
    "csr_invalid",
  );
  const ecAlgorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const ecKeys = await crypto.subtle.generateKey(ecAlgorithm, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const ecCsr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: "CN=node-ec",
    keys: ecKeys,
    signingAlgorithm: ecAlgorithm,
  });
  await assertJacoError(sign(ecCsr.toString("pem")), "csr_invalid");
});

Deno.test("signNodeCsr() refuses a CSR naming someone other than the expected hostname", async () => {
  const node = await createNodeKeyAndCsr({ hostname: "leader-1", ips: [] });
  await assertJacoError(
    signNodeCsr({
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      csrPem: node.csrPem,
      now: NOW,
      expectedHostname: "joiner-7",
    }),
    "csr_invalid",
  );
  const own = await signNodeCsr({
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    csrPem: node.csrPem,
    now: NOW,
    expectedHostname: "leader-1",
  });
  assert.equal(certificateIdentity(own).commonName, "leader-1");
});

Deno.test("signNodeCsr() refuses a CSR whose subject carries more than one CN", async () => {
  const keys = await crypto.subtle.generateKey("Ed25519", true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: "CN=node-1, O=Evil Corp",
    keys,
    signingAlgorithm: { name: "Ed25519" },
  });
  await assertJacoError(
    signNodeCsr({
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      csrPem: csr.toString("pem"),
      now: NOW,
    }),
    "csr_invalid",
  );
});

Deno.test("signNodeCsr() refuses a CSR without DNS or IP subjectAltNames", async () => {
  const keys = await crypto.subtle.generateKey("Ed25519", true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: "CN=node-1",
    keys,
    signingAlgorithm: { name: "Ed25519" },
  });
  await assertJacoError(
    signNodeCsr({
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      csrPem: csr.toString("pem"),
      now: NOW,
    }),
    "csr_invalid",
    /no DNS or IP subjectAltName/,
  );
});

Deno.test("signNodeCsr() reports absent CA material as ca_missing and mismatched as CaMaterialError", async () => {
  const node = await createNodeKeyAndCsr({ hostname: "node-1", ips: [] });
  await assertJacoError(
    signNodeCsr({ caCertPem: "", caKeyPem: ca.keyPem, csrPem: node.csrPem, now: NOW }),
    "ca_missing",
  );
  const other = await createClusterCa({ now: NOW });
  await assert.rejects(
    signNodeCsr({ caCertPem: ca.certPem, caKeyPem: other.keyPem, csrPem: node.csrPem, now: NOW }),
    CaMaterialError,
  );
  await assert.rejects(
    signNodeCsr({ caCertPem: ca.certPem, caKeyPem: "junk", csrPem: node.csrPem, now: NOW }),
    CaMaterialError,
  );
});

Deno.test("verifyIssuedBy() is false for another CA, a same-named impostor CA, and a leaf as CA", async () => {
  const node = await createNodeKeyAndCsr({ hostname: "node-1", ips: [] });
  const certPem = await signNodeCsr({
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    csrPem: node.csrPem,
    now: NOW,
  });
  const impostor = await createClusterCa({ now: NOW }); // same CN, different key
  assert.equal(await verifyIssuedBy(certPem, impostor.certPem), false);
  assert.equal(await verifyIssuedBy(certPem, certPem), false);
  assert.equal(await verifyIssuedBy(ca.certPem, ca.certPem), true);
  await assertJacoError(verifyIssuedBy("nope", ca.certPem), "validation_failed");
});

Deno.test("certificateFingerprint() is the SHA-256 of the DER, as OpenSSL computes it", async () => {
  const expected = new NodeX509(ca.certPem).fingerprint256.replaceAll(":", "").toLowerCase();
  assert.equal(await certificateFingerprint(ca.certPem), expected);
  assert.match(expected, /^[0-9a-f]{64}$/);
});

Deno.test("usableLocalIps() keeps private IPv4 of up, non-bridge interfaces, LAN before overlay", () => {
  const face = (
    name: string,
    address: string,
    extra: { up?: boolean; family?: "IPv4" | "IPv6" } = {},
  ) => ({
    name,
    address,
    family: extra.family ?? "IPv4" as const,
    ...(extra.up === undefined ? {} : { up: extra.up }),
  });
  const ips = usableLocalIps([
    face("lo", "127.0.0.1"),
    face("tailscale0", "100.101.7.3"),
    face("eth1", "192.168.1.20"),
    face("eth0", "10.0.0.5"),
    face("eth0", "fd00::5", { family: "IPv6" }),
    face("eth0", "169.254.1.1"),
    face("eth2", "203.0.113.9"),
    face("eth3", "224.0.0.1"),
    face("docker0", "172.17.0.1"),
    face("docker_gwbridge", "172.18.0.1"),
    face("br-1a2b", "172.19.0.1"),
    face("veth123", "172.20.0.1"),
    face("virbr0", "192.168.122.1"),
    face("eth4", "172.16.5.5", { up: false }),
    face("wg-jaco", "10.99.0.1"),
    face("jaco0", "100.96.0.4"),
    face("jaco-1a2b-3c4d", "10.244.3.1"),
    face("eth5", "172.31.0.2"),
    face("eth6", "172.32.0.2"),
    face("eth0:1", "10.0.0.5"),
  ]);
  assert.deepEqual(ips, [
    "10.0.0.5",
    "192.168.1.20",
    "172.31.0.2",
    "100.96.0.4",
    "100.101.7.3",
    "10.99.0.1",
  ]);
});

Deno.test("usableLocalIps() returns nothing when only loopback and public addresses exist", () => {
  assert.deepEqual(
    usableLocalIps([
      { name: "lo", family: "IPv4", address: "127.0.0.1" },
      { name: "eth0", family: "IPv4", address: "8.8.4.4" },
    ]),
    [],
  );
});
