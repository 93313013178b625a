import assert from "node:assert/strict";
import type { RegistryCredential } from "../proto/mod.ts";
import { canonicalImageRepository, registryAuthFor } from "./registry_auth.ts";

const credential = (registry: string, username: string): RegistryCredential => ({
  registry,
  username,
  secret: new TextEncoder().encode(`${username}-secret`),
  updatedAt: undefined,
});

Deno.test("canonicalImageRepository() expands Docker Hub shorthand and drops tags/digests", () => {
  assert.equal(canonicalImageRepository("nginx"), "docker.io/library/nginx");
  assert.equal(canonicalImageRepository("nginx:1.27"), "docker.io/library/nginx");
  assert.equal(canonicalImageRepository("acme/api:3"), "docker.io/acme/api");
  assert.equal(canonicalImageRepository("GHCR.io/Owner/app@sha256:abcd"), "ghcr.io/owner/app");
  assert.equal(
    canonicalImageRepository("registry.example.com:5000/team/app:1"),
    "registry.example.com:5000/team/app",
  );
  assert.equal(canonicalImageRepository("localhost/app"), "localhost/app");
  assert.equal(
    canonicalImageRepository("index.docker.io/library/nginx"),
    "docker.io/library/nginx",
  );
});

Deno.test("registryAuthFor() picks the longest path-aligned prefix", () => {
  const credentials = [
    credential("ghcr.io", "host"),
    credential("ghcr.io/acme", "org"),
    credential("ghcr.io/acme/api", "repo"),
    credential("ghcr.io/acm", "not-aligned"),
  ];
  assert.equal(registryAuthFor("ghcr.io/acme/api:1", credentials)?.username, "repo");
  assert.equal(registryAuthFor("ghcr.io/acme/web:1", credentials)?.username, "org");
  assert.equal(registryAuthFor("ghcr.io/acmecorp/web:1", credentials)?.username, "host");
  assert.deepEqual(registryAuthFor("ghcr.io/acme/web", credentials), {
    username: "org",
    password: "org-secret",
    serveraddress: "ghcr.io",
  });
});

Deno.test("registryAuthFor() is anonymous without a match and maps Docker Hub", () => {
  assert.equal(registryAuthFor("quay.io/x/y", [credential("ghcr.io", "a")]), undefined);
  const hub = registryAuthFor("acme/api", [credential("registry-1.docker.io/acme", "hub")]);
  assert.equal(hub?.username, "hub");
  assert.equal(hub?.serveraddress, "https://index.docker.io/v1/");
});
