/**
 * The CA fingerprint of `--ca-fingerprint` (gap fix to cluster.md §3.2 step 3): SHA-256 of the
 * cluster CA certificate's DER as lower-case hex, printed by `jaco node issue-join-token` and
 * passed by `jaco node join` to the local daemon in `ClusterJoinRequest.ca_fingerprint`. The
 * joining daemon checks it inside the TLS handshake that carries the join token
 * (`daemon/node/join_ca_pin.ts`), so the CLI no longer dials the peer itself.
 *
 * @module
 */

/** Lower-case hex without separators; `AB:CD…` and `abcd…` are the same pin. */
export function normalizeFingerprint(text: string): string {
  return text.replaceAll(":", "").trim().toLowerCase();
}

/** SHA-256 of DER bytes as lower-case hex. */
export async function fingerprintOf(der: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
