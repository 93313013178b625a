import assert from "node:assert/strict";
import { canonicalRegistryKey } from "./registry_key.ts";

Deno.test("canonicalRegistryKey() follows the auth-and-config.md §7 rules", () => {
  const cases: [string, string][] = [
    ["GHCR.IO/owner/", "ghcr.io/owner"],
    ["https://ghcr.io/owner?ref=main", "ghcr.io/owner"],
    ["registry.example.com:5000", "registry.example.com:5000"],
    ["  http://Registry.Example.com:5000/team/app#frag ", "registry.example.com:5000/team/app"],
    ["index.docker.io", "docker.io"],
    ["registry-1.docker.io/library", "docker.io/library"],
    ["https://registry.docker.io//myorg//", "docker.io/myorg"],
    ["docker.io", "docker.io"],
    ["", ""],
    ["https:///owner", ""],
    ["?x", ""],
  ];
  for (const [raw, canonical] of cases) {
    assert.equal(canonicalRegistryKey(raw), canonical, JSON.stringify(raw));
  }
});
