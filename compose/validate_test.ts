import assert from "node:assert/strict";
import { isJacoError } from "../proto/errors.ts";
import { validateManifests } from "./validate.ts";

const samples = new URL("../tests/samples/", import.meta.url);
const read = (name: string) => Deno.readTextFileSync(new URL(name, samples));

Deno.test("validateManifests() accepts the sample stack and summarises it", () => {
  const report = validateManifests({ jaco: read("jaco.yaml"), compose: read("compose.yml") });
  assert.deepEqual(report, {
    deployment: "sample",
    services: ["agent", "api", "db", "web"],
    routes: 1,
    tcpRoutes: 1,
    networks: ["backend", "edge"],
    volumes: ["dbdata"],
    crossChecked: true,
    warnings: [],
  });
});

Deno.test("validateManifests() rejects the broken sample with reserved_port", () => {
  assert.throws(
    () =>
      validateManifests({ jaco: read("broken/jaco.yaml"), compose: read("broken/compose.yml") }),
    (e: unknown) => isJacoError(e) && e.code === "reserved_port" && e.details.service === "db",
  );
});

Deno.test("validateManifests() needs at least one text", () => {
  assert.throws(() => validateManifests({}), {
    code: "validation_failed",
    message: "at least one of --jaco or --compose is required",
  });
});

Deno.test("validateManifests() checks one file alone without cross-checks", () => {
  const jacoOnly = validateManifests({ jaco: "deployment: a\nservices:\n  - name: ghost\n" });
  assert.deepEqual(jacoOnly.services, ["ghost"]);
  assert.equal(jacoOnly.crossChecked, false);
  const composeOnly = validateManifests({ compose: read("compose.yml") });
  assert.equal(composeOnly.deployment, undefined);
  assert.equal(composeOnly.tcpRoutes, 1);
});

Deno.test("validateManifests() reports the jaco.yaml error first, then compose in step-5 order (spec example C)", () => {
  const jaco =
    "deployment: agent\nservices:\n  - name: collector\n    placement: global\n    replicas: 2\n";
  const compose = `services:
  collector:
    image: example/collector:1
    privileged: true
    ports: ["443:8443"]
    log_driver: syslog
`;
  assert.throws(() => validateManifests({ jaco, compose }), { code: "validation_failed" });
  const fixedJaco = "deployment: agent\nservices:\n  - name: collector\n    placement: global\n";
  assert.throws(() => validateManifests({ jaco: fixedJaco, compose }), {
    code: "legacy_compose_field",
  });
  const noLegacy = compose.replace("log_driver: syslog", "logging: {driver: syslog}");
  assert.throws(() => validateManifests({ jaco: fixedJaco, compose: noLegacy }), {
    code: "reserved_port",
  });
  const noReserved = noLegacy.replace("443:8443", "8443:8443");
  assert.throws(
    () => validateManifests({ jaco: fixedJaco, compose: noReserved }),
    {
      message:
        'service "collector" uses privileged but lacks required label jaco.io/allow-privileged="true"',
    },
  );
  const fixed = noReserved.replace(
    "privileged: true",
    'privileged: true\n    labels: {"jaco.io/allow-privileged": "true"}',
  );
  assert.equal(validateManifests({ jaco: fixedJaco, compose: fixed }).deployment, "agent");
});

Deno.test("validateManifests() cross-checks overrides against compose when both are given", () => {
  assert.throws(
    () =>
      validateManifests({
        jaco: "deployment: a\nservices:\n  - name: ghost\n",
        compose: read("compose.yml"),
      }),
    { code: "unknown_service", message: 'jaco service "ghost" is not defined in the compose file' },
  );
});

Deno.test("validateManifests() accepts env_file unless envFileResolved is set", () => {
  const compose = "services:\n  web:\n    image: x\n    env_file: .env\n";
  assert.equal(validateManifests({ compose }).services.length, 1);
  assert.throws(() => validateManifests({ compose, envFileResolved: true }), {
    code: "env_file_unresolved",
  });
});

Deno.test("validateManifests() handles a 300-service compose", () => {
  const lines = ["services:"];
  for (let i = 0; i < 300; i++) {
    lines.push(
      `  svc${i}:`,
      "    image: jaco-test/busybox:1",
      `    ports: ["${10000 + i}:80"]`,
      '    healthcheck: {test: [CMD, "true"], interval: 5s, retries: 3}',
      `    depends_on: [svc${(i + 1) % 300 === 0 ? 1 : i + 1}]`,
      "    environment: {A: '1', B: '2'}",
    );
  }
  lines[lines.indexOf("    depends_on: [svc1]", 6 * 299)] = "    deploy: {replicas: 2}";
  const report = validateManifests({ compose: lines.join("\n") });
  assert.equal(report.services.length, 300);
  assert.equal(report.tcpRoutes, 300);
});
