/**
 * Spec hashes (manifests.md §1.9, scheduling.md): SHA-256 of the canonical
 * JSON of a service's compose subtree, so comments, key order and
 * formatting never recreate replicas but any semantic change does.
 *
 * @module
 */

import { JacoError } from "../proto/errors.ts";
import { sha256Hex } from "./_sha256.ts";
import { isMapping } from "./_types.ts";
import type { ComposeProject } from "./compose_project.ts";

/**
 * JSON with object keys sorted (by UTF-16 code unit) and no whitespace.
 * Values with no JSON form (non-finite numbers) render as `null`, as
 * `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isMapping(value)) {
    const keys = Object.keys(value).sort();
    return `{${
      keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(",")
    }}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * SHA-256 (lower-case hex) of the canonical JSON of `services.<service>`
 * in the decoded compose document.
 *
 * @throws {JacoError} `unknown_service` when the project has no such service.
 * @example
 * ```ts
 * specHash(parseComposeProject("services: {web: {image: nginx}}"), "web"); // "3f…" (64 hex digits)
 * ```
 */
export function specHash(compose: ComposeProject, service: string): string {
  const services = compose.document.services as Record<string, unknown>;
  if (!compose.services.has(service)) {
    throw new JacoError(
      "unknown_service",
      `service "${service}" is not defined in the compose file`,
      {
        service,
      },
    );
  }
  return sha256Hex(new TextEncoder().encode(canonicalJson(services[service])));
}
