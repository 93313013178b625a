import assert from "node:assert/strict";
import { isJacoError, type JacoError } from "../proto/errors.ts";
import { parseComposeProject } from "./compose_project.ts";

interface Case {
  name: string;
  yaml: string;
  code: string;
  message: string;
  details?: Record<string, string>;
  envFileResolved?: boolean;
}

/** A one-service document with `body` as the service's fields (4-space indented). */
const svc = (body: string, extra = "") => `services:\n  web:\n    image: x\n${body}${extra}`;

/** Every compose rule and message of manifests.md §2, one row each. */
const rejections: Case[] = [
  {
    name: "YAML syntax error",
    yaml: "services:\n  web: [\n",
    code: "validation_failed",
    message:
      "parse compose yaml: line 3 column 1: flow sequence in block collection must be sufficiently indented and end with a ]",
    details: { field: "(document)" },
  },
  {
    name: "empty document",
    yaml: "# nothing\n",
    code: "validation_failed",
    message: "compose file is empty",
    details: { field: "services" },
  },
  {
    name: "no services key",
    yaml: "networks: {}\n",
    code: "validation_failed",
    message: "compose file defines no services",
    details: { field: "services" },
  },
  {
    name: "secrets top-level",
    yaml: "secrets: {}\nservices: {web: {image: x}}\n",
    code: "validation_failed",
    message:
      'compose top-level key "secrets" is not supported: JACO has no secrets semantics; pass values through environment or a volume',
    details: { field: "secrets" },
  },
  {
    name: "configs top-level",
    yaml: "configs: {}\nservices: {web: {image: x}}\n",
    code: "validation_failed",
    message:
      'compose top-level key "configs" is not supported: JACO has no configs semantics; mount the file through a volume',
    details: { field: "configs" },
  },
  {
    name: "include top-level",
    yaml: "include: [a.yml]\nservices: {web: {image: x}}\n",
    code: "validation_failed",
    message:
      `compose top-level key "include" is not supported: it would need the operator's filesystem; merge the files before apply`,
    details: { field: "include" },
  },
  {
    name: "unknown top-level key",
    yaml: "service: {}\nservices: {web: {image: x}}\n",
    code: "validation_failed",
    message:
      'compose top-level key "service" is not supported (allowed: services, networks, volumes, version, name, x-*)',
    details: { field: "service" },
  },
  {
    name: "invalid service name",
    yaml: "services:\n  'we b': {image: x}\n",
    code: "validation_failed",
    message: 'service name "we b" is invalid: use letters, digits, ".", "_" and "-"',
    details: { service: "we b", field: "services.we b" },
  },
  {
    name: "service is not a mapping",
    yaml: "services:\n  web:\n",
    code: "validation_failed",
    message: 'service "web" must be a mapping, got null',
    details: { service: "web", field: "services.web" },
  },
  {
    name: "external network",
    yaml: "services: {web: {image: x}}\nnetworks:\n  edge: {external: true}\n",
    code: "validation_failed",
    message:
      'compose network "edge" is external; JACO creates every network itself (jaco_<deployment>_edge), remove external',
    details: { field: "networks.edge.external" },
  },
  {
    name: "bad top-level volume definition",
    yaml: "services: {web: {image: x}}\nvolumes:\n  data: {driver: 3}\n",
    code: "validation_failed",
    message: "compose volumes.data.driver must be a string, got number 3",
    details: { field: "volumes.data.driver" },
  },
  {
    name: "env_file in the daemon-side resolved form",
    yaml: svc("    env_file: .env\n    log_driver: syslog\n"),
    envFileResolved: true,
    code: "env_file_unresolved",
    message: 'service "web" uses env_file; env_file must be resolved client-side before apply',
    details: { service: "web", field: "env_file" },
  },
  ...(
    [
      ["log_driver", "logging.driver"],
      ["log_opt", "logging.options"],
      ["net", "network_mode"],
      ["volume_driver", 'no direct equivalent; use long-form "volumes:" with "driver:"'],
      ["dockerfile", "build.dockerfile"],
    ] as const
  ).map(([field, modern]): Case => ({
    name: `legacy ${field} (before the allowlist)`,
    yaml: svc(`    aaa_typo: 1\n    ${field}: x\n`),
    code: "legacy_compose_field",
    message:
      `compose field "${field}" is a v1/v2 spelling dropped from the modern spec; use ${modern} instead`,
    details: { service: "web", field, modern_equivalent: modern },
  })),
  {
    name: "unsupported field",
    yaml: svc("    container_name: x\n"),
    code: "validation_failed",
    message:
      `service "web" uses unsupported compose field "container_name" (not in JACO's closed set)`,
    details: { service: "web", field: "container_name" },
  },
  {
    name: "services checked in sorted order",
    yaml: "services:\n  zeta: {image: x, links: [a]}\n  alpha: {image: x, expose: [1]}\n",
    code: "validation_failed",
    message: `service "alpha" uses unsupported compose field "expose" (not in JACO's closed set)`,
  },
  {
    name: "image not a string",
    yaml: "services:\n  web:\n    image: [x]\n",
    code: "validation_failed",
    message: 'service "web" field "image" must be a string, got list',
    details: { service: "web", field: "image" },
  },
  {
    name: "healthcheck retries negative",
    yaml: svc("    healthcheck:\n      test: [CMD, true]\n      retries: -1\n"),
    code: "validation_failed",
    message: 'service "web" field "healthcheck.retries" must be an integer >= 0, got number -1',
    details: { service: "web", field: "healthcheck.retries" },
  },
  {
    name: "healthcheck bad duration",
    yaml: svc("    healthcheck:\n      interval: 10 seconds\n"),
    code: "validation_failed",
    message:
      'service "web" field "healthcheck.interval" must be a duration like 10s or 1m30s, got string "10 seconds"',
    details: { service: "web", field: "healthcheck.interval" },
  },
  {
    name: "healthcheck unknown key",
    yaml: svc("    healthcheck:\n      interal: 10s\n"),
    code: "validation_failed",
    message:
      'service "web" field "healthcheck" has unknown key "interal" (allowed: test, interval, timeout, retries, start_period, start_interval, disable)',
    details: { service: "web", field: "healthcheck.interal" },
  },
  {
    name: "shm_size not a byte size",
    yaml: svc("    shm_size: lots\n"),
    code: "validation_failed",
    message: 'service "web" field "shm_size" must be a byte size like 64m or 1g, got string "lots"',
    details: { service: "web", field: "shm_size" },
  },
  {
    name: "deploy.replicas negative",
    yaml: svc("    deploy:\n      replicas: -2\n"),
    code: "validation_failed",
    message: 'service "web" field "deploy.replicas" must be an integer >= 0, got number -2',
  },
  {
    name: "environment list with a number",
    yaml: svc("    environment: [A=1, 2]\n"),
    code: "validation_failed",
    message: 'service "web" field "environment[1]" must be a string, got number 2',
    details: { service: "web", field: "environment[1]" },
  },
  {
    name: "undeclared network",
    yaml: svc("    networks: [front, back]\n", "networks:\n  back: {}\n"),
    code: "unknown_network",
    message: "unknown network: front; declared: [_default, back]",
    details: { service: "web", network: "front", field: "networks" },
  },
  {
    name: "reserved port H:C",
    yaml: svc('    ports: ["8080:80", "443:8443"]\n'),
    code: "reserved_port",
    message:
      `service "web" publishes reserved host port 443 (entry "443:8443"); 80 and 443 belong to JACO's HTTP/S ingress`,
    details: { service: "web", port: "443", entry: "443:8443", field: "ports[1]" },
  },
  {
    name: "reserved port IP:H:C/udp",
    yaml: svc('    ports: ["127.0.0.1:80:80/udp"]\n'),
    code: "reserved_port",
    message:
      `service "web" publishes reserved host port 80 (entry "127.0.0.1:80:80/udp"); 80 and 443 belong to JACO's HTTP/S ingress`,
  },
  {
    name: "reserved port inside a range",
    yaml: svc('    ports: ["400-500:400-500"]\n'),
    code: "reserved_port",
    message:
      `service "web" publishes reserved host port 443 (entry "400-500:400-500"); 80 and 443 belong to JACO's HTTP/S ingress`,
  },
  {
    name: "reserved port long form",
    yaml: svc("    ports:\n      - target: 8080\n        published: 80\n"),
    code: "reserved_port",
    message:
      `service "web" publishes reserved host port 80 (entry "published: 80"); 80 and 443 belong to JACO's HTTP/S ingress`,
    details: { service: "web", port: "80", entry: "published: 80", field: "ports[0]" },
  },
  {
    name: "malformed port",
    yaml: svc('    ports: ["70000:80"]\n'),
    code: "validation_failed",
    message:
      'service "web" has an invalid ports entry "70000:80": host port "70000" is out of range (1-65535)',
    details: { service: "web", field: "ports[0]", entry: "70000:80" },
  },
  {
    name: "pull_policy unsupported",
    yaml: svc("    pull_policy: daily\n"),
    code: "validation_failed",
    message:
      'service "web": pull_policy "daily" unsupported (allowed: always, missing, never, build)',
    details: { service: "web", field: "pull_policy", value: "daily" },
  },
  {
    name: "pull_policy not a string",
    yaml: svc("    pull_policy: 1\n"),
    code: "validation_failed",
    message: "pull_policy must be a string",
    details: { service: "web", field: "pull_policy" },
  },
  {
    name: "privileged without label",
    yaml: svc("    privileged: true\n    labels: {jaco.io/allow-privileged: True}\n"),
    code: "validation_failed",
    message:
      'service "web" uses privileged but lacks required label jaco.io/allow-privileged="true"',
    details: {
      service: "web",
      fields: "privileged",
      label: "jaco.io/allow-privileged",
      field: "privileged",
    },
  },
  {
    name: "privileged and security_opt with list label =1",
    yaml: svc(
      "    privileged: true\n    security_opt: [seccomp=unconfined]\n    labels: [jaco.io/allow-privileged=1]\n",
    ),
    code: "validation_failed",
    message:
      'service "web" uses privileged,security_opt but lacks required label jaco.io/allow-privileged="true"',
  },
  {
    name: "network_mode host",
    yaml: svc("    network_mode: host\n"),
    code: "validation_failed",
    message:
      `network_mode "host" rejected; JACO only accepts "none" or "service:<name>" (service "web"; host, bridge, container: and named networks would bypass deployment isolation)`,
    details: { service: "web", field: "network_mode", value: "host" },
  },
  {
    name: "network_mode not a string",
    yaml: svc("    network_mode: 1\n"),
    code: "validation_failed",
    message: 'service "web": network_mode must be a string, got number 1',
    details: { service: "web", field: "network_mode", value: "number 1" },
  },
  {
    name: "network_mode service: without target",
    yaml: svc("    network_mode: 'service:'\n"),
    code: "validation_failed",
    message: 'service "web": network_mode service: needs a service name',
    details: { service: "web", field: "network_mode", value: "service:", target_service: "" },
  },
  {
    name: "network_mode unknown target",
    yaml: svc("    network_mode: service:db\n"),
    code: "validation_failed",
    message: 'service "web": network_mode service:db — no service named "db" in deployment',
    details: { service: "web", field: "network_mode", value: "service:db", target_service: "db" },
  },
  {
    name: "network_mode with ports",
    yaml: svc('    network_mode: none\n    ports: ["8080:80"]\n'),
    code: "validation_failed",
    message: 'service "web" sets network_mode: none and ports; they cannot be combined',
    details: { service: "web", field: "ports", value: "none" },
  },
  {
    name: "network_mode pointing at itself",
    yaml: svc("    network_mode: service:web\n"),
    code: "validation_failed",
    message: 'service "web": network_mode service:web points at itself',
    details: { service: "web", field: "network_mode", value: "service:web", target_service: "web" },
  },
  {
    name: "network_mode with networks",
    yaml: svc("    network_mode: none\n    networks: [default]\n"),
    code: "validation_failed",
    message: 'service "web" sets network_mode: none and networks; they cannot be combined',
    details: { service: "web", field: "networks", value: "none" },
  },
  {
    name: "long-form port with mismatched ranges",
    yaml: svc("    ports:\n      - {target: 80-81, published: 8000-8002}\n"),
    code: "validation_failed",
    message:
      'service "web" has an invalid ports entry "target: 80-81, published: 8000-8002": host and container port ranges differ in length',
    details: { service: "web", field: "ports[0]", entry: "target: 80-81, published: 8000-8002" },
  },
  {
    name: "long-form port protocol",
    yaml: svc("    ports:\n      - {target: 80, protocol: icmp}\n"),
    code: "validation_failed",
    message:
      'service "web" field "ports[0].protocol" must be one of: tcp, udp, sctp, got string "icmp"',
    details: { service: "web", field: "ports[0].protocol" },
  },
  {
    name: "malformed volume entry",
    yaml: svc('    volumes: ["a:b:c:d"]\n'),
    code: "validation_failed",
    message: 'compose load: service "web" volumes[0]: "a:b:c:d" has too many ":" parts',
    details: { service: "web", field: "volumes[0]" },
  },
  {
    name: "services not a mapping",
    yaml: "services: [web]\n",
    code: "validation_failed",
    message: "compose services must be a mapping, got list",
    details: { field: "services" },
  },
  {
    name: "unknown key in a network definition",
    yaml: "services: {web: {image: x}}\nnetworks:\n  edge: {drivr: bridge}\n",
    code: "validation_failed",
    message: 'compose networks.edge.drivr has unknown key "drivr"',
    details: { field: "networks.edge.drivr" },
  },
  {
    name: "alias bomb",
    yaml: [
      "x-a: &a [l, l, l, l, l, l, l, l, l]",
      "x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "x-e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
      "services: {web: {image: x, command: [*e, *e, *e, *e, *e, *e, *e, *e, *e]}}",
    ].join("\n"),
    code: "validation_failed",
    message: "parse compose yaml: excessive alias count indicates a resource exhaustion attack",
    details: { field: "(document)" },
  },
  {
    name: "depends_on itself",
    yaml: svc("    depends_on: [web]\n"),
    code: "invalid_depends_on",
    message: 'service "web" depends on itself',
    details: { service: "web", depends_on: "web", field: "depends_on" },
  },
  {
    name: "depends_on undeclared",
    yaml: svc("    depends_on:\n      db: {condition: service_healthy}\n"),
    code: "unknown_depends_on_service",
    message: 'service "web" depends_on undeclared service "db"',
    details: { service: "web", depends_on: "db", field: "depends_on" },
  },
  {
    name: "depends_on unsupported condition",
    yaml:
      "services:\n  web:\n    image: x\n    depends_on:\n      init: {condition: service_completed_successfully}\n  init: {image: x}\n",
    code: "unsupported_depends_on_condition",
    message:
      'service "web" depends_on "init" with unsupported condition "service_completed_successfully" (supported: service_started, service_healthy)',
    details: {
      service: "web",
      depends_on: "init",
      field: "depends_on",
      condition: "service_completed_successfully",
    },
  },
  {
    name: "depends_on wrong shape",
    yaml: svc("    depends_on: {db: 3}\n"),
    code: "validation_failed",
    message: 'service "web" field "depends_on.db" must be a mapping, got number 3',
    details: { service: "web", field: "depends_on.db" },
  },
  {
    name: "undeclared named volume",
    yaml: svc("    volumes: [data:/data]\n"),
    code: "validation_failed",
    message:
      'compose load: service "web" refers to undefined volume "data"; declare it under top-level volumes:',
    details: { service: "web", field: "volumes[0]", volume: "data" },
  },
  {
    name: "dependency cycle through network_mode",
    yaml:
      "services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, network_mode: 'service:a'}\n",
    code: "validation_failed",
    message: "compose load: dependency cycle detected: a -> b -> a",
    details: { service: "a", field: "depends_on", cycle: "a,b,a" },
  },
];

for (const c of rejections) {
  Deno.test(`parseComposeProject() rejects ${c.name} with ${c.code}`, () => {
    let caught: unknown;
    try {
      parseComposeProject(c.yaml, { envFileResolved: c.envFileResolved });
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

Deno.test("parseComposeProject() accepts env_file unless told the text is the resolved form", () => {
  const project = parseComposeProject(
    svc("    env_file: [.env, {path: b.env, required: false}]\n"),
  );
  assert.deepEqual(project.serviceNames, ["web"]);
});

Deno.test("parseComposeProject() accepts the privileged label in map and list form", () => {
  parseComposeProject(
    svc('    privileged: true\n    labels: {jaco.io/allow-privileged: "true"}\n'),
  );
  parseComposeProject(
    svc("    security_opt: [no-new-privileges]\n    labels: [jaco.io/allow-privileged=true]\n"),
  );
  // An empty security_opt list does not gate.
  parseComposeProject(svc("    security_opt: []\n"));
});

Deno.test("parseComposeProject() accepts ignored fields, x- extensions, merge keys and ignored top-level keys", () => {
  const project = parseComposeProject(`version: "3.9"
name: ignored
x-common: &common
  image: busybox
  restart: always
services:
  web:
    <<: *common
    build: .
    name: ignored
    x-note: anything
    ports: ["8080:80", "127.0.0.1:9090:90", "53:53/udp", "3000"]
    networks:
      default:
      edge: {aliases: [www]}
    network_mode: ""
  side:
    image: busybox
    network_mode: service:web
  off:
    image: busybox
    network_mode: none
networks:
  edge:
volumes:
  data:
`);
  assert.deepEqual(project.serviceNames, ["off", "side", "web"]);
  assert.equal(project.services.get("web")!.image, "busybox");
  assert.deepEqual([...project.networks.keys()], ["edge"]);
  assert.deepEqual(project.volumes.get("data"), {});
});

Deno.test("parseComposeProject() keeps hostile service names safe in its maps", () => {
  const project = parseComposeProject(
    "services:\n  __proto__: {image: x}\n  constructor: {image: y}\n",
  );
  assert.deepEqual(project.serviceNames, ["__proto__", "constructor"]);
  assert.equal(project.services.get("__proto__")!.image, "x");
  assert.equal(({} as Record<string, unknown>).image, undefined);
});

Deno.test("parseComposeProject() accepts the spec's example B compose file", () => {
  const project = parseComposeProject(`services:
  ui:
    image: docker.io/crm/ui:5
    networks: [edge]
  backend:
    image: docker.io/crm/backend:5
    environment:
      DATABASE_URL: postgres://crm:x@pg:5432/crm
    depends_on:
      pg: {condition: service_healthy}
    networks: [edge, data]
  pg:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: x
    volumes: ["pgdata:/var/lib/postgresql/data"]
    ports: ["5432:5432"]
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 5s
    stop_grace_period: 30s
    networks: [data]
networks:
  edge: {}
  data: {}
volumes:
  pgdata: {}
`);
  assert.deepEqual(project.serviceNames, ["backend", "pg", "ui"]);
});

Deno.test("parseComposeProject() accepts hundreds of ordinary anchor uses (only bombs are refused)", () => {
  const lines = ["x-common: &common {image: busybox, environment: {A: '1'}}", "services:"];
  for (let i = 0; i < 300; i++) lines.push(`  s${i}: {<<: *common, command: [sh]}`);
  assert.equal(parseComposeProject(lines.join("\n")).serviceNames.length, 300);
});

Deno.test("parseComposeProject() accepts a numeric version and null network/volume definitions", () => {
  const project = parseComposeProject(
    "version: 3.8\nservices: {web: {image: x}}\nnetworks: {a: null}\n",
  );
  assert.deepEqual(project.networks.get("a"), {});
  const empty = parseComposeProject("services: {web: {image: x}}\nnetworks:\nvolumes:\n");
  assert.equal(empty.networks.size + empty.volumes.size, 0);
});

Deno.test("parseComposeProject() refuses documents over 8 Mi characters before parsing", () => {
  assert.throws(() => parseComposeProject(`services: {}\n#${"x".repeat(8 << 20)}`), {
    code: "validation_failed",
    message: "parse compose yaml: document exceeds 8388608 characters",
  });
});
