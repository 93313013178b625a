import assert from "node:assert/strict";
import { isJacoError } from "../proto/errors.ts";
import { parseComposeProject } from "./compose_project.ts";
import {
  checkClusterFacts,
  checkManifestPair,
  type ClusterFacts,
  gatedServicesOf,
} from "./cross_check.ts";
import { parseJacoManifest } from "./jaco_manifest.ts";

const compose = parseComposeProject(`services:
  web:
    image: x
    networks: [edge]
    ports: ["8443:443"]
  db:
    image: x
    deploy: {replicas: 2}
  side:
    image: x
    network_mode: service:web
  root:
    image: x
    privileged: true
    labels: {jaco.io/allow-privileged: "true"}
networks:
  edge: {}
`);

function rejects(fn: () => void, code: string, message: string, details?: Record<string, string>) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isJacoError(e), String(e));
    assert.equal(e.code, code);
    assert.equal(e.message, message);
    if (details) assert.deepEqual(e.details, details);
    return true;
  });
}

const pair = (jaco: string) => () => checkManifestPair(parseJacoManifest(jaco), compose);

Deno.test("checkManifestPair() accepts a consistent pair", () => {
  pair(`deployment: d
services:
  - {name: web, networks: [edge, _default, default]}
  - {name: db, placement: hosts, hosts: [n1, n2]}
routes:
  - {domain: a.org, service: web, port: 80}
`)();
});

Deno.test("checkManifestPair() rejects an override of an unknown service", () => {
  rejects(
    pair("deployment: d\nservices:\n  - name: cache\n"),
    "unknown_service",
    'jaco service "cache" is not defined in the compose file',
    { service: "cache", field: "services[0].name" },
  );
});

Deno.test("checkManifestPair() rejects undeclared override networks", () => {
  rejects(
    pair("deployment: d\nservices:\n  - {name: web, networks: [data]}\n"),
    "unknown_network",
    "unknown network: data; declared: [_default, edge]",
    { service: "web", network: "data", field: "services[0].networks" },
  );
});

Deno.test("checkManifestPair() rejects override networks on a network_mode service", () => {
  rejects(
    pair("deployment: d\nservices:\n  - {name: side, networks: [edge]}\n"),
    "validation_failed",
    'service "side" sets network_mode: service:web in compose; jaco.yaml networks cannot be attached to it',
  );
});

Deno.test("checkManifestPair() rejects more merged replicas than pinned hosts", () => {
  rejects(
    pair("deployment: d\nservices:\n  - {name: db, placement: hosts, hosts: [n1]}\n"),
    "replicas_exceed_pinned_hosts",
    "cannot place 2 replicas on 1 pinned hosts",
    { service: "db", replicas: "2", hosts: "1" },
  );
});

Deno.test("checkManifestPair() rejects routes to unknown or network_mode services", () => {
  rejects(
    pair("deployment: d\nroutes:\n  - {domain: a.org, service: api, port: 80}\n"),
    "unknown_service",
    'route "a.org" references unknown service "api"',
    { domain: "a.org", service: "api", field: "routes[0].service" },
  );
  rejects(
    pair("deployment: d\nroutes:\n  - {domain: a.org, service: side, port: 80}\n"),
    "validation_failed",
    'route "a.org" targets service "side" which sets network_mode: service:web; routes on a service with network_mode are unreachable',
  );
});

const jaco = parseJacoManifest(`deployment: d
services:
  - {name: db, placement: hosts, hosts: [n1, n2]}
routes:
  - {domain: a.org, service: web, port: 80, path: /app}
`);
const facts = (extra: Partial<ClusterFacts> = {}): ClusterFacts => ({
  members: ["n1", "n2"],
  routesOwnedByOthers: [],
  portsOwnedByOthers: new Map(),
  ...extra,
});

Deno.test("checkClusterFacts() accepts when nothing collides and the caller is local", () => {
  checkClusterFacts(
    jaco,
    compose,
    facts({
      routesOwnedByOthers: [{ domain: "a.org", path: "", deployment: "other", tls: "auto" }],
      portsOwnedByOthers: new Map([[9000, "other"], [8443, "d"]]),
      caller: { identity: "local", local: true, allowsPrivileged: false },
    }),
  );
});

Deno.test("checkClusterFacts() rejects pinned hosts that are not members", () => {
  rejects(
    () => checkClusterFacts(jaco, compose, facts({ members: ["n1"] })),
    "unknown_host",
    'service "db" pins host "n2" which is not a cluster member',
    { service: "db", host: "n2" },
  );
});

Deno.test("checkClusterFacts() rejects a (domain, path) or TLS mode owned by another deployment", () => {
  rejects(
    () =>
      checkClusterFacts(
        jaco,
        compose,
        facts({
          routesOwnedByOthers: [{ domain: "a.org", path: "/app", deployment: "shop", tls: "auto" }],
        }),
      ),
    "validation_failed",
    'route conflict: domain "a.org" path "/app" is already routed by deployment "shop"',
  );
  rejects(
    () =>
      checkClusterFacts(
        jaco,
        compose,
        facts({
          routesOwnedByOthers: [{ domain: "a.org", path: "", deployment: "shop", tls: "off" }],
        }),
      ),
    "route_tls_mixed",
    'domain "a.org" mixes tls:auto and tls:off routes; a domain must use a single TLS mode (deployment "shop" uses tls:off)',
  );
});

Deno.test("checkClusterFacts() rejects a host port another deployment publishes", () => {
  rejects(
    () =>
      checkClusterFacts(jaco, compose, facts({ portsOwnedByOthers: new Map([[8443, "shop"]]) })),
    "port_conflict",
    'host port 8443 is already published by deployment "shop"',
    { service: "web", port: "8443", deployment: "shop" },
  );
});

Deno.test("checkClusterFacts() denies gated services to tokens without allows_privileged", () => {
  rejects(
    () =>
      checkClusterFacts(
        jaco,
        compose,
        facts({
          caller: { identity: "ci", local: false, allowsPrivileged: false },
        }),
      ),
    "privilege_denied",
    'token "ci" lacks allows_privileged; service "root" uses privileged',
    { service: "root", fields: "privileged", identity: "ci" },
  );
  checkClusterFacts(
    jaco,
    compose,
    facts({
      caller: { identity: "ops", local: false, allowsPrivileged: true },
    }),
  );
});

Deno.test("gatedServicesOf() lists gated services alphabetically with their fields", () => {
  assert.deepEqual(gatedServicesOf(compose), [{ service: "root", fields: "privileged" }]);
});
