/**
 * The `--ca-fingerprint` pre-flight of `jaco node join` (gap fix to cluster.md §3.2 step 3,
 * where the reference sends the join token to an unverified peer): before the token leaves
 * this host, one TLS handshake with the peer (nothing is sent over it) must present a chain
 * holding a CA whose SHA-256 fingerprint is the pinned one, and a leaf certificate signed by
 * that CA. A member serves its certificate together with the cluster CA for this purpose.
 *
 * Limit: the local daemon then dials the peer again itself; the check covers an impostor at
 * that address, not one that intercepts only the second connection.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import tls from "node:tls";
import { isIP } from "node:net";
import { JacoError } from "../proto/errors.ts";

/** Lower-case hex without separators; `AB:CD…` and `abcd…` are the same pin. */
export function normalizeFingerprint(text: string): string {
  return text.replaceAll(":", "").trim().toLowerCase();
}

/** SHA-256 of DER bytes as lower-case hex. */
export async function fingerprintOf(der: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Checks a presented chain (leaf first, DER) against `pin` (see module doc).
 *
 * @throws {JacoError} `validation_failed` when no certificate of the chain has the pinned
 *   fingerprint, or the leaf is not signed by it
 */
export async function checkChain(chain: Uint8Array<ArrayBuffer>[], pin: string): Promise<void> {
  const wanted = normalizeFingerprint(pin);
  let ca: Uint8Array<ArrayBuffer> | undefined;
  for (const der of chain.slice(1)) {
    if (await fingerprintOf(der) === wanted) ca = der;
  }
  if (!ca || chain.length === 0) {
    throw new JacoError(
      "validation_failed",
      `peer presented no ca with fingerprint "${wanted}"; refusing to send the join token`,
      { ca_fingerprint: wanted },
    );
  }
  // Loaded only when pinning: @peculiar/x509 needs the reflect polyfill first and is heavy.
  await import("reflect-metadata");
  const x509 = await import("@peculiar/x509");
  const caCert = new x509.X509Certificate(ca);
  let signed = false;
  try {
    signed = await new x509.X509Certificate(chain[0]).verify({
      publicKey: caCert.publicKey,
      signatureOnly: true,
    });
  } catch {
    // A key of another algorithm throws rather than returning false: not signed by it.
    signed = false;
  }
  if (!signed) {
    throw new JacoError(
      "validation_failed",
      `peer certificate is not signed by the ca with fingerprint "${wanted}"`,
      { ca_fingerprint: wanted },
    );
  }
}

/** Splits `host:port` / `[v6]:port`. */
function splitAddress(address: string): { host: string; port: number } {
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  if (!bracket) {
    throw new JacoError("validation_failed", `--peer "${address}" is not host:port`, {
      peer: address,
    });
  }
  return { host: bracket[1], port: Number(bracket[2]) };
}

/** The DER chain one handshake with `address` presents, leaf first (10 s timeout). */
export function presentedChain(address: string): Promise<Uint8Array<ArrayBuffer>[]> {
  const { host, port } = splitAddress(address);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      ALPNProtocols: ["h2"],
      rejectUnauthorized: false,
      timeout: 10_000,
    }, () => {
      const chain: Uint8Array<ArrayBuffer>[] = [];
      const seen = new Set<string>();
      let cert = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
      while (cert?.raw && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256);
        chain.push(
          new Uint8Array((cert.raw as Buffer).buffer.slice(
            cert.raw.byteOffset,
            cert.raw.byteOffset + cert.raw.byteLength,
          ) as ArrayBuffer),
        );
        cert = cert.issuerCertificate;
      }
      socket.destroy();
      resolve(chain);
    });
    socket.on("timeout", () => {
      socket.destroy();
      reject(new Error(`tls handshake with ${address} timed out`));
    });
    socket.on("error", reject);
  });
}
