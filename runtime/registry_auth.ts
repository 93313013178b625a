/**
 * Registry credentials for a pull (auth-and-config.md §7): canonicalise the image to
 * `host[:port]/<repository path>` (Docker Hub shorthand → `docker.io`, official images under
 * `library/`), then pick the stored credential whose canonical key is the longest path-aligned
 * prefix. No match = anonymous pull (not an error).
 *
 * @module
 */
import type { RegistryCredential } from "../proto/mod.ts";
import { canonicalRegistryKey } from "../state/mod.ts";
import type { RegistryAuth } from "./engine.ts";

/**
 * `host[:port]/<repository path>` of an image reference, without tag or digest.
 *
 * @example
 * ```ts
 * canonicalImageRepository("nginx:1.27"); // "docker.io/library/nginx"
 * canonicalImageRepository("ghcr.io/Owner/app@sha256:ab…"); // "ghcr.io/owner/app"
 * ```
 */
export function canonicalImageRepository(image: string): string {
  let name = image.trim();
  const at = name.indexOf("@");
  if (at >= 0) name = name.slice(0, at);
  const lastSlash = name.lastIndexOf("/");
  const tagColon = name.lastIndexOf(":");
  if (tagColon > lastSlash) name = name.slice(0, tagColon);
  const slash = name.indexOf("/");
  const first = slash >= 0 ? name.slice(0, slash) : "";
  const hasHost = slash >= 0 &&
    (first.includes(".") || first.includes(":") || first === "localhost");
  if (!hasHost) {
    name = `docker.io/${slash >= 0 ? name : `library/${name}`}`;
  }
  return canonicalRegistryKey(name);
}

/**
 * The credential for pulling `image`: the one whose key is the longest path-aligned prefix of
 * the image's canonical repository; `undefined` for an anonymous pull.
 *
 * @example
 * ```ts
 * registryAuthFor("ghcr.io/acme/api:3", credentials);
 * // { username: "bot", password: "…", serveraddress: "ghcr.io" } for a "ghcr.io/acme" credential
 * ```
 */
export function registryAuthFor(
  image: string,
  credentials: readonly RegistryCredential[],
): RegistryAuth | undefined {
  const repository = canonicalImageRepository(image);
  let best: RegistryCredential | undefined;
  let bestKey = "";
  for (const credential of credentials) {
    const key = canonicalRegistryKey(credential.registry);
    if (key === "" || key.length <= bestKey.length) continue;
    if (repository === key || repository.startsWith(`${key}/`)) {
      best = credential;
      bestKey = key;
    }
  }
  if (!best) return undefined;
  const host = bestKey.split("/")[0];
  return {
    username: best.username,
    password: new TextDecoder().decode(best.secret),
    // Docker Hub's auth endpoint is known to the engine by its legacy address.
    serveraddress: host === "docker.io" ? "https://index.docker.io/v1/" : host,
  };
}
