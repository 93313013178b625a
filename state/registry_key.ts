/**
 * Canonical registry credential keys (auth-and-config.md §7): `host[:port][/namespace…]`.
 *
 * @module
 */

// Docker Hub answers under several host names; credentials for any of them are one login.
const dockerHubAliases = new Set(["index.docker.io", "registry-1.docker.io", "registry.docker.io"]);

/**
 * Canonicalises a registry key: trim and lower-case, strip `scheme://`, cut at the first `?` or
 * `#`, fold Docker Hub host aliases to `docker.io`, keep ports, trim `/` around the namespace.
 * Returns `""` when no host remains (callers treat that as invalid / drop it).
 *
 * @example
 * ```ts
 * canonicalRegistryKey("https://GHCR.io/owner/?ref=main"); // "ghcr.io/owner"
 * canonicalRegistryKey("registry-1.docker.io/library"); // "docker.io/library"
 * ```
 */
export function canonicalRegistryKey(raw: string): string {
  let rest = raw.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, "");
  const cut = rest.search(/[?#]/);
  if (cut >= 0) rest = rest.slice(0, cut);
  const slash = rest.indexOf("/");
  const hostPart = slash >= 0 ? rest.slice(0, slash) : rest;
  const namespace = slash >= 0 ? rest.slice(slash + 1).replace(/^\/+|\/+$/g, "") : "";
  const host = dockerHubAliases.has(hostPart) ? "docker.io" : hostPart;
  if (host === "") return "";
  return namespace === "" ? host : `${host}/${namespace}`;
}
