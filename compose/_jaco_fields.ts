/**
 * The closed field table of `jaco.yaml` (manifests.md §1). It is the single
 * definition behind the strict decoder, the intrinsic rules (which read enums,
 * bounds and patterns from here) and {@link jacoManifestSchema}.
 *
 * @module
 */

import { type FieldDef, t, type TypeDef } from "./_types.ts";

/** Placement modes a service override may select (§1.4). */
export const PlacementMode = {
  spread: "spread",
  pack: "pack",
  hosts: "hosts",
  global: "global",
} as const;
/** One placement mode. */
export type PlacementMode = typeof PlacementMode[keyof typeof PlacementMode];

/** Route TLS modes (§1.2). */
export const TlsMode = { auto: "auto", off: "off" } as const;
/** One route TLS mode. */
export type TlsMode = typeof TlsMode[keyof typeof TlsMode];

/** Deployment names end up in docker object names and DNS labels (contract addition). */
export const deploymentNamePattern: RegExp = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/;
/** Longest deployment name (one DNS label). */
export const deploymentNameMaxLength = 63;

/** A DNS hostname, optionally a `*.` wildcard, labels of 1–63 letters, digits and inner dashes. */
export const hostnamePattern: RegExp =
  /^(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** `acme:` accepts on/off in any case; empty means on. */
export const acmePattern: RegExp = /^(?:[oO][nN]|[oO][fF][fF])?$/;

/** Fields of one `routes[*]` entry. */
export const routeFields = {
  domain: {
    type: t.string({ pattern: hostnamePattern, maxLength: 253 }),
    required: true,
    doc: "Host header to match (FQDN, case-insensitive).",
  },
  service: {
    type: t.string({ minLength: 1 }),
    required: true,
    doc: "Upstream compose service of this deployment.",
  },
  port: { type: t.integer(1, 65535), required: true, doc: "Container port to dial." },
  tls: {
    type: t.string({ enum: ["", ...Object.values(TlsMode)] }),
    doc:
      'auto = ACME certificate + HTTP->HTTPS redirect; off = plain HTTP. "" or absent: auto (off under acme: off).',
  },
  path: {
    type: t.string({ pattern: /^(?:\/.*)?$/ }),
    doc: 'URL prefix; "" (default) is the catch-all, otherwise it must start with "/".',
  },
  strip_path: {
    type: t.boolean,
    doc: "Strip the matched path prefix before proxying (no effect on the catch-all).",
  },
} satisfies Record<string, FieldDef>;

/** Fields of one `services[*]` override. */
export const serviceOverrideFields = {
  name: {
    type: t.string({ minLength: 1 }),
    required: true,
    doc: "Compose service key this entry overrides.",
  },
  replicas: {
    type: t.integer(0),
    doc: "Replica count; default compose deploy.replicas, else 1. 0 keeps the service provisioned.",
  },
  placement: {
    type: t.string({ enum: ["", ...Object.values(PlacementMode)] }),
    doc: 'spread (default, also ""), pack, hosts (pinned to hosts), global (one per ready node).',
  },
  hosts: {
    type: t.list(t.string({ minLength: 1 })),
    doc: "Cluster member hostnames; required and non-empty iff placement is hosts.",
  },
  networks: {
    type: t.list(t.string({ minLength: 1 })),
    doc: "Compose networks to attach; a non-empty list replaces the compose service's networks.",
  },
} satisfies Record<string, FieldDef>;

/** Top-level fields of `jaco.yaml`. */
export const jacoTopFields = {
  deployment: {
    type: t.string({ pattern: deploymentNamePattern, maxLength: deploymentNameMaxLength }),
    required: true,
    doc:
      "Deployment name, unique cluster-wide: [a-z0-9]([a-z0-9_-]*[a-z0-9])?, at most 63 characters.",
  },
  environment: {
    type: t.string(),
    doc: "Dotenv file feeding ${VAR} interpolation of the compose file (read by the CLI only).",
  },
  routes: { type: t.list(t.record(routeFields)), doc: "Public HTTP(S) routes." },
  services: { type: t.list(t.record(serviceOverrideFields)), doc: "Per-service overrides." },
  acme: { type: t.string({ pattern: acmePattern }), doc: "on (default) or off, any case." },
  acme_email: {
    type: t.string(),
    doc: "Per-deployment ACME contact (RFC 5322 address); empty uses the cluster default.",
  },
} satisfies Record<string, FieldDef>;

/** The whole document. */
export const jacoManifestType: TypeDef = t.record(jacoTopFields);
