import assert from "node:assert/strict";
import { isJacoError, type JacoError } from "../proto/errors.ts";
import { parseJacoManifest } from "./jaco_manifest.ts";

interface Case {
  name: string;
  yaml: string;
  code: string;
  message: string;
  details?: Record<string, string>;
}

const route = (extra = "") => `  - domain: a.example.org\n    service: web\n    port: 80\n${extra}`;

/** Every jaco.yaml rule and message of manifests.md §1, one row each. */
const rejections: Case[] = [
  {
    name: "YAML syntax error",
    yaml: "deployment: [shop\n",
    code: "parse_failed",
    message:
      "parse jaco yaml: line 2 column 1: flow sequence in block collection must be sufficiently indented and end with a ]",
  },
  {
    name: "duplicate keys",
    yaml: "deployment: a\ndeployment: b\n",
    code: "parse_failed",
    message: "parse jaco yaml: line 2 column 1: map keys must be unique",
  },
  {
    name: "document is a list",
    yaml: "- deployment: a\n",
    code: "parse_failed",
    message: "parse jaco yaml: document must be a mapping, got list",
  },
  {
    name: "wrong type: replicas string",
    yaml: 'deployment: a\nservices:\n  - name: web\n    replicas: "x"\n',
    code: "parse_failed",
    message: 'parse jaco yaml: services[0].replicas: expected an integer, got string "x"',
    details: { field: "services[0].replicas" },
  },
  {
    name: "wrong type: port float",
    yaml: `deployment: a\nroutes:\n  - domain: a.example.org\n    service: web\n    port: 1.5\n`,
    code: "parse_failed",
    message: "parse jaco yaml: routes[0].port: expected an integer, got number 1.5",
    details: { field: "routes[0].port" },
  },
  {
    name: "wrong type: deployment number",
    yaml: "deployment: 12\n",
    code: "parse_failed",
    message: "parse jaco yaml: deployment: expected a string, got number 12",
    details: { field: "deployment" },
  },
  {
    name: "wrong type: routes mapping",
    yaml: "deployment: a\nroutes: {domain: x}\n",
    code: "parse_failed",
    message: "parse jaco yaml: routes: expected a list, got mapping",
    details: { field: "routes" },
  },
  {
    name: "unknown top-level key",
    yaml: "deployment: a\nreplicas: 2\n",
    code: "validation_failed",
    message:
      'unknown field "replicas" in jaco.yaml (allowed: deployment, environment, routes, services, acme, acme_email)',
    details: { field: "replicas" },
  },
  {
    name: "unknown route key",
    yaml: `deployment: a\nroutes:\n${route()}${route("    domian: x\n")}`,
    code: "validation_failed",
    message:
      'unknown field "domian" in routes[1] (allowed: domain, service, port, tls, path, strip_path)',
    details: { field: "routes[1].domian" },
  },
  {
    name: "unknown service key",
    yaml: "deployment: a\nservices:\n  - name: web\n    replica: 2\n",
    code: "validation_failed",
    message:
      'unknown field "replica" in services[0] (allowed: name, replicas, placement, hosts, networks)',
    details: { field: "services[0].replica" },
  },
  {
    name: "compose_service anywhere, before the strict decode",
    yaml: "deployment: a\nbogus: 1\nservices:\n  - name: web\n    compose_service: web\n",
    code: "validation_failed",
    message:
      'compose_service is no longer supported; rename "name" to match the compose service key',
    details: { field: "services[0].compose_service" },
  },
  {
    name: "deployment missing",
    yaml: "routes: []\n",
    code: "validation_failed",
    message: "deployment name is required",
    details: { field: "deployment" },
  },
  {
    name: "empty document",
    yaml: "",
    code: "validation_failed",
    message: "deployment name is required",
  },
  {
    name: "deployment charset",
    yaml: "deployment: Shop\n",
    code: "validation_failed",
    message:
      'deployment name "Shop" is invalid: use lower-case letters, digits, "-" and "_", starting and ending with a letter or digit, at most 63 characters',
    details: { field: "deployment", value: "Shop" },
  },
  {
    name: "deployment trailing dash",
    yaml: "deployment: shop-\n",
    code: "validation_failed",
    message:
      'deployment name "shop-" is invalid: use lower-case letters, digits, "-" and "_", starting and ending with a letter or digit, at most 63 characters',
  },
  {
    name: "deployment too long",
    yaml: `deployment: ${"a".repeat(64)}\n`,
    code: "validation_failed",
    message: `deployment name "${
      "a".repeat(64)
    }" is invalid: use lower-case letters, digits, "-" and "_", starting and ending with a letter or digit, at most 63 characters`,
  },
  {
    name: "acme unknown",
    yaml: "deployment: a\nacme: maybe\n",
    code: "validation_failed",
    message: 'acme "maybe" is unknown (want on|off)',
    details: { field: "acme", value: "maybe" },
  },
  {
    name: "acme_email invalid",
    yaml: "deployment: a\nacme_email: ops.example.org\n",
    code: "validation_failed",
    message: 'acme_email "ops.example.org" is not a valid email address: missing @ in addr-spec',
    details: { field: "acme_email", value: "ops.example.org" },
  },
  {
    name: "service name empty",
    yaml: "deployment: a\nservices:\n  - replicas: 1\n",
    code: "validation_failed",
    message: "service name is required",
    details: { field: "services[0].name" },
  },
  {
    name: "replicas negative",
    yaml: "deployment: a\nservices:\n  - name: web\n    replicas: -1\n",
    code: "validation_failed",
    message: 'service "web" replicas must be >= 0',
    details: { service: "web", field: "services[0].replicas" },
  },
  {
    name: "placement unknown (case-sensitive)",
    yaml: "deployment: a\nservices:\n  - name: web\n    placement: Spread\n",
    code: "validation_failed",
    message: 'service "web" has unknown placement "Spread" (want spread|pack|hosts|global)',
    details: { service: "web", field: "services[0].placement" },
  },
  {
    name: "global with replicas",
    yaml: "deployment: a\nservices:\n  - name: web\n    placement: global\n    replicas: 2\n",
    code: "validation_failed",
    message:
      'service "web" uses placement=global; remove replicas (global runs one replica per ready node)',
    details: { service: "web", field: "services[0].replicas" },
  },
  {
    name: "global with replicas 0 is still explicit",
    yaml: "deployment: a\nservices:\n  - name: web\n    placement: global\n    replicas: 0\n",
    code: "validation_failed",
    message:
      'service "web" uses placement=global; remove replicas (global runs one replica per ready node)',
  },
  {
    name: "hosts placement without hosts",
    yaml: "deployment: a\nservices:\n  - name: db\n    placement: hosts\n",
    code: "validation_failed",
    message: 'service "db" uses placement=hosts but hosts is empty',
    details: { service: "db", field: "services[0].hosts" },
  },
  {
    name: "hosts entry repeated",
    yaml: "deployment: a\nservices:\n  - name: db\n    placement: hosts\n    hosts: [n1, n1]\n",
    code: "validation_failed",
    message: 'service "db" lists hosts entry "n1" more than once',
    details: { service: "db", field: "services[0].hosts[1]" },
  },
  {
    name: "networks entry empty",
    yaml: 'deployment: a\nservices:\n  - name: db\n    networks: [""]\n',
    code: "validation_failed",
    message: 'service "db" has an empty entry in networks',
    details: { service: "db", field: "services[0].networks[0]" },
  },
  {
    name: "service declared twice",
    yaml: "deployment: a\nservices:\n  - name: web\n  - name: web\n",
    code: "validation_failed",
    message: 'service "web" declared more than once',
    details: { service: "web", field: "services[1].name" },
  },
  {
    name: "route domain empty",
    yaml: "deployment: a\nroutes:\n  - service: web\n    port: 80\n",
    code: "validation_failed",
    message: "route domain is required",
    details: { field: "routes[0].domain" },
  },
  {
    name: "route domain not a host name",
    yaml: "deployment: a\nroutes:\n  - domain: https://a.org\n    service: web\n    port: 80\n",
    code: "validation_failed",
    message: 'route "https://a.org" domain is not a valid host name',
    details: { domain: "https://a.org", field: "routes[0].domain" },
  },
  {
    name: "route service empty",
    yaml: "deployment: a\nroutes:\n  - domain: a.org\n    port: 80\n",
    code: "validation_failed",
    message: 'route "a.org" service is required',
    details: { domain: "a.org", field: "routes[0].service" },
  },
  {
    name: "route port missing",
    yaml: "deployment: a\nroutes:\n  - domain: a.org\n    service: web\n",
    code: "validation_failed",
    message: 'route "a.org" port must be > 0',
    details: { domain: "a.org", field: "routes[0].port" },
  },
  {
    name: "route port above 65535",
    yaml: "deployment: a\nroutes:\n  - domain: a.org\n    service: web\n    port: 70000\n",
    code: "validation_failed",
    message: 'route "a.org" port must be <= 65535',
  },
  {
    name: "route tls unknown",
    yaml:
      "deployment: a\nroutes:\n  - domain: a.org\n    service: web\n    port: 80\n    tls: on\n",
    code: "validation_failed",
    message: 'route "a.org" has unknown tls "on" (want auto|off)',
    details: { domain: "a.org", field: "routes[0].tls" },
  },
  {
    name: "route path without leading slash",
    yaml:
      "deployment: a\nroutes:\n  - domain: a.org\n    service: web\n    port: 80\n    path: api\n",
    code: "validation_failed",
    message: 'route "a.org" path "api" must start with "/"',
  },
  {
    name: "mixed TLS on one domain",
    yaml: `deployment: a\nroutes:\n${route()}${route("    path: /x\n    tls: off\n")}`,
    code: "route_tls_mixed",
    message:
      'domain "a.example.org" mixes tls:auto and tls:off routes; a domain must use a single TLS mode',
    details: { domain: "a.example.org", field: "routes" },
  },
  {
    name: "mixed TLS via acme: off default",
    yaml: `deployment: a\nacme: OFF\nroutes:\n${route()}${route("    path: /x\n    tls: auto\n")}`,
    code: "route_tls_mixed",
    message:
      'domain "a.example.org" mixes tls:auto and tls:off routes; a domain must use a single TLS mode',
  },
  {
    name: "two catch-alls",
    yaml:
      "deployment: a\nroutes:\n  - {domain: a.org, service: web, port: 80}\n  - {domain: a.org, service: api, port: 81}\n",
    code: "route_multiple_catchall",
    message:
      'multiple catch-all routes for domain "a.org": services [web, api]; declare a path: prefix on all but one',
    details: { domain: "a.org", services: "web,api", field: "routes" },
  },
  {
    name: "duplicate (domain, path), case-insensitive domain",
    yaml:
      "deployment: a\nroutes:\n  - {domain: a.org, service: web, port: 80, path: /x}\n  - {domain: A.ORG, service: api, port: 81, path: /x}\n",
    code: "validation_failed",
    message:
      'route conflict: domain "a.org" path "/x" is declared more than once; (domain, path) combinations must be unique',
    details: { domain: "a.org", path: "/x", field: "routes" },
  },
];

for (const c of rejections) {
  Deno.test(`parseJacoManifest() rejects ${c.name} with ${c.code}`, () => {
    let caught: unknown;
    try {
      parseJacoManifest(c.yaml);
    } catch (error) {
      caught = error;
    }
    assert.ok(isJacoError(caught), `expected a JacoError, got ${caught}`);
    const error = caught as JacoError;
    assert.equal(error.code, c.code);
    assert.equal(error.message, c.message);
    if (c.details) assert.deepEqual(error.details, c.details);
  });
}

Deno.test("parseJacoManifest() reports the first failure in contract order (deployment before routes)", () => {
  assert.throws(
    () => parseJacoManifest("deployment: ''\nacme: x\nroutes:\n  - port: 0\n"),
    { message: "deployment name is required" },
  );
  assert.throws(
    () => parseJacoManifest("deployment: a\nacme: x\nservices:\n  - name: ''\n"),
    { message: 'acme "x" is unknown (want on|off)' },
  );
  assert.throws(
    () =>
      parseJacoManifest(
        "deployment: a\nservices:\n  - name: ''\nroutes:\n  - port: 0\n",
      ),
    { message: "service name is required" },
  );
});

Deno.test("parseJacoManifest() applies defaults: placement spread, tls auto, tls off under acme: off", () => {
  const on = parseJacoManifest(
    "deployment: shop\nservices:\n  - name: web\nroutes:\n  - {domain: Shop.Example.org, service: web, port: 3000}\n",
  );
  assert.deepEqual(on, {
    deployment: "shop",
    acme: "on",
    acmeEmail: "",
    services: [{ name: "web", placement: "spread", hosts: [], networks: [] }],
    routes: [{
      domain: "shop.example.org",
      service: "web",
      port: 3000,
      tls: "auto",
      path: "",
      stripPath: false,
    }],
  });
  const off = parseJacoManifest(
    "deployment: shop\nacme: Off\nacme_email: not-checked\nroutes:\n  - {domain: a.org, service: web, port: 1}\n  - {domain: b.org, service: web, port: 1, tls: auto}\n",
  );
  assert.equal(off.acme, "off");
  assert.deepEqual(off.routes.map((r) => r.tls), ["off", "auto"]);
});

Deno.test("parseJacoManifest() reads null keys as absent and keeps environment and replicas 0", () => {
  const m = parseJacoManifest(
    "deployment: a\nenvironment: crm.env\nroutes:\nacme:\nservices:\n  - name: web\n    replicas: 0\n",
  );
  assert.equal(m.environment, "crm.env");
  assert.deepEqual(m.routes, []);
  assert.equal(m.acme, "on");
  assert.equal(m.services[0].replicas, 0);
  assert.equal(parseJacoManifest("deployment: a\nenvironment: ''\n").environment, undefined);
});

Deno.test("parseJacoManifest() accepts the spec's example B overlay", () => {
  const m = parseJacoManifest(`deployment: crm
environment: crm.env
acme_email: crm-team@example.org
services:
  - name: ui
    replicas: 3
    networks: [edge]
  - name: pg
    replicas: 1
    placement: hosts
    hosts: [db-node-1]
    networks: [data]
routes:
  - domain: crm.example.org
    service: ui
    port: 8080
  - domain: crm.example.org
    service: backend
    port: 9000
    path: /v1
    strip_path: true
`);
  assert.equal(m.routes[1].stripPath, true);
  assert.equal(m.services[1].placement, "hosts");
});

Deno.test("parseJacoManifest() refuses alias bombs as parse_failed", () => {
  const bomb = [
    "a: &a [x, x, x, x, x, x, x, x, x]",
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
    "deployment: [*e, *e, *e, *e, *e, *e, *e, *e, *e]",
  ].join("\n");
  assert.throws(
    () => parseJacoManifest(bomb),
    (e: unknown) =>
      isJacoError(e) && e.code === "parse_failed" &&
      e.message.startsWith("parse jaco yaml: excessive alias count"),
  );
});

Deno.test("parseJacoManifest() refuses documents over 1 Mi characters before parsing", () => {
  assert.throws(() => parseJacoManifest(`deployment: a\n#${"x".repeat(1 << 20)}`), {
    code: "parse_failed",
    message: "parse jaco yaml: document exceeds 1048576 characters",
  });
});
