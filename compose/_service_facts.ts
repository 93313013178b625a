/**
 * Reading facts out of a validated compose service, shared by the rules,
 * the merge and the cluster checks: joined networks, labels, gated
 * (privileged) fields and normalised `depends_on` edges.
 *
 * @module
 */

import { isMapping } from "./_types.ts";

type Service = Record<string, unknown>;

/** The label that admits `privileged` / `security_opt` at schema level (§2.10). */
export const allowPrivilegedLabel = "jaco.io/allow-privileged";

/** Network names a service joins (list entries or mapping keys), as written. */
export function networkNamesOf(service: Service): string[] {
  const networks = service.networks;
  if (Array.isArray(networks)) return networks.filter((n): n is string => typeof n === "string");
  return isMapping(networks) ? Object.keys(networks) : [];
}

/** Value of a label in map or `k=v` list form; `undefined` when absent. */
export function labelOf(service: Service, key: string): unknown {
  const labels = service.labels;
  if (isMapping(labels)) return Object.hasOwn(labels, key) ? labels[key] : undefined;
  if (!Array.isArray(labels)) return undefined;
  for (const item of labels) {
    if (typeof item !== "string") continue;
    const eq = item.indexOf("=");
    if ((eq < 0 ? item : item.slice(0, eq)) === key) return eq < 0 ? null : item.slice(eq + 1);
  }
  return undefined;
}

/** The fields that make a service gated (§2.10), e.g. `privileged,security_opt`; "" when none. */
export function gatedFieldsOf(service: Service): string {
  const fields: string[] = [];
  if (service.privileged === true) fields.push("privileged");
  if (Array.isArray(service.security_opt) && service.security_opt.length > 0) {
    fields.push("security_opt");
  }
  return fields.join(",");
}

/** One `depends_on` edge, normalised from the list or map form. */
export interface DependsOnEntry {
  service: string;
  condition: string;
  required: boolean;
}

/** A service's `depends_on` edges, sorted by target (shape already checked). */
export function dependsOnOf(service: Service): DependsOnEntry[] {
  const raw = service.depends_on;
  const entries: DependsOnEntry[] = [];
  if (Array.isArray(raw)) {
    for (const name of raw) {
      entries.push({ service: String(name), condition: "service_started", required: true });
    }
  } else if (isMapping(raw)) {
    for (const [name, spec] of Object.entries(raw)) {
      const options = isMapping(spec) ? spec : {};
      entries.push({
        service: name,
        condition: typeof options.condition === "string" ? options.condition : "service_started",
        required: options.required !== false,
      });
    }
  }
  return entries.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
}
