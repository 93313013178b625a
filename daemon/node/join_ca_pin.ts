/**
 * The joining daemon's CA pin (cluster.md §3.2 step 3, "verify the peer against a CA fingerprint
 * supplied out of band"): `ClusterJoinRequest.ca_fingerprint` is the SHA-256 of the cluster CA
 * certificate's DER, as `jaco node issue-join-token` prints it. The check runs inside the TLS
 * handshake of the very connection the join token is then sent on, so a peer that fails it
 * never sees the token.
 *
 * A peer passes when its presented chain holds a certificate with the pinned fingerprint and its
 * leaf is signed by that certificate's key (members serve their leaf together with the CA for
 * this purpose; see `node.ts #serveGrpc`). The check is synchronous (`node:crypto`) because the
 * channel's post-handshake hook is.
 *
 * Decision where the spec is silent: the closed error set has no `ca_fingerprint_mismatch`, so a
 * failed pin is `validation_failed` with `details {field: ca_fingerprint, reason:
 * ca_fingerprint_mismatch}` (the same code `jaco node join`'s pre-flight used); a malformed pin
 * (not 64 hex digits once `:` separators are dropped) is `validation_failed` too.
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import type tls from "node:tls";
import { JacoError } from "../../proto/errors.ts";

/** Lower-case hex without `:` separators; `AB:CD…` and `abcd…` are the same pin. */
export function normalizeCaPin(text: string): string {
  return text.replaceAll(":", "").trim().toLowerCase();
}

/**
 * Validates a pin's shape and returns its normalized form.
 *
 * @throws {JacoError} `validation_failed` (field `ca_fingerprint`) unless 64 hex digits
 */
export function parseCaPin(text: string): string {
  const pin = normalizeCaPin(text);
  if (!/^[0-9a-f]{64}$/.test(pin)) {
    throw new JacoError(
      "validation_failed",
      `ca_fingerprint "${text}" is not a SHA-256 fingerprint (64 hex digits)`,
      { field: "ca_fingerprint", value: text },
    );
  }
  return pin;
}

/**
 * Checks a presented chain (leaf first, DER) against normalized `pin`; undefined when it passes.
 */
export function checkPinnedChain(chain: readonly Uint8Array[], pin: string): JacoError | undefined {
  const refuse = (why: string) =>
    new JacoError("validation_failed", `${why}; refusing to send the join token`, {
      field: "ca_fingerprint",
      reason: "ca_fingerprint_mismatch",
      ca_fingerprint: pin,
    });
  if (chain.length === 0) return refuse("peer presented no certificate");
  const ca = chain.slice(1).map((der) => new X509Certificate(der))
    .find((cert) => normalizeCaPin(cert.fingerprint256) === pin);
  if (!ca) return refuse(`peer presented no ca with fingerprint "${pin}"`);
  let signed = false;
  try {
    signed = new X509Certificate(chain[0]).verify(ca.publicKey);
  } catch {
    signed = false;
  }
  return signed ? undefined : refuse(`peer certificate is not signed by the ca "${pin}"`);
}

/** The DER chain a secured socket presented, leaf first (each certificate once). */
export function presentedChainOf(secured: tls.TLSSocket): Uint8Array[] {
  const chain: Uint8Array[] = [];
  const seen = new Set<string>();
  let cert = secured.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(new Uint8Array(cert.raw));
    cert = cert.issuerCertificate;
  }
  return chain;
}
