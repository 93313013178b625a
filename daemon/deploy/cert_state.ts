/**
 * `CertState` of the `tls_auto` domains in a status response's scope (rpc.md §1.2): expiry from
 * the stored leaf certificate blob, environment from its storage key, last renewal from the
 * audit log.
 *
 * Decisions where the spec is silent: a leaf blob that does not parse as a PEM certificate is
 * treated as absent (its domain may still be reported from the audit log). The expiry is read with
 * `node:crypto`'s parser, not `@peculiar/x509`, so answering `status` never loads that library
 * into an idle daemon (~10 MB).
 *
 * @module
 */
import { AuditEventType, CertState, type Route } from "../../proto/mod.ts";
import type { StateView } from "../../state/mod.ts";
import { X509Certificate } from "node:crypto";

/** Cert states of the `tls_auto` domains among `routes`, sorted by domain. */
export function certStates(view: StateView, routes: readonly Route[]): CertState[] {
  const domains = [...new Set(routes.filter((route) => route.tlsAuto).map((r) => r.domain))]
    .sort();
  if (domains.length === 0) return [];
  const renewals = view.auditEvents().filter((event) =>
    event.type === AuditEventType.AUDIT_EVENT_TYPE_CERTIFICATE_ISSUED ||
    event.type === AuditEventType.AUDIT_EVENT_TYPE_CERTIFICATE_RENEWED
  );
  const states: CertState[] = [];
  for (const domain of domains) {
    const leaves = view.certBlobs().filter((blob) =>
      blob.key.includes(`/${domain}/`) && blob.key.endsWith(".crt")
    );
    const leaf = leaves.find((blob) => !blob.key.includes("staging")) ?? leaves[0];
    const renewal = renewals.filter((event) => event.payload.domain === domain).at(-1);
    if (!leaf && !renewal) continue;
    const environment = leaf
      ? (leaf.key.includes("staging") ? "staging" : "prod")
      : (renewal?.payload.acme_environment ?? "");
    states.push(CertState.fromPartial({
      domain,
      environment,
      notAfter: leaf ? notAfterOf(leaf.value) : undefined,
      lastRenewalAt: renewal?.ts,
    }));
  }
  return states;
}

function notAfterOf(pem: Uint8Array): Date | undefined {
  try {
    const notAfter = new Date(new X509Certificate(new TextDecoder().decode(pem)).validTo);
    return Number.isNaN(notAfter.getTime()) ? undefined : notAfter;
  } catch {
    return undefined;
  }
}
