import assert from "node:assert/strict";
import { parse } from "yaml";
import { legacyServiceFields } from "./_compose_fields.ts";
import { PlacementMode } from "./_jaco_fields.ts";
import { schemaErrors } from "./_json_schema_testing.ts";
import { composeSubsetSchema, jacoManifestSchema } from "./schema.ts";

const samples = new URL("../tests/samples/", import.meta.url);
const read = (name: string) =>
  parse(Deno.readTextFileSync(new URL(name, samples)), { merge: true });

type Schema = Record<string, unknown>;
const serviceSchema = () => {
  const services = (composeSubsetSchema.properties as Record<string, Schema>).services;
  return services.additionalProperties as Schema;
};

/** The service fields manifests.md §2.2 lists (honored, overridden, accepted-and-ignored). */
const specAllowlist = [
  "image",
  "command",
  "entrypoint",
  "environment",
  "env_file",
  "volumes",
  "ports",
  "depends_on",
  "healthcheck",
  "labels",
  "user",
  "working_dir",
  "read_only",
  "tmpfs",
  "cap_add",
  "cap_drop",
  "sysctls",
  "ulimits",
  "networks",
  "logging",
  "stop_signal",
  "stop_grace_period",
  "hostname",
  "domainname",
  "extra_hosts",
  "init",
  "shm_size",
  "dns",
  "dns_search",
  "dns_opt",
  "ipc",
  "pid",
  "uts",
  "userns_mode",
  "cgroup",
  "cgroup_parent",
  "network_mode",
  "privileged",
  "security_opt",
  "devices",
  "gpus",
  "pull_policy",
  "deploy",
  "cpus",
  "mem_limit",
  "mem_reservation",
  "pids_limit",
  "cpu_shares",
  "cpuset",
  "restart",
  "build",
  "name",
];

Deno.test("composeSubsetSchema lists exactly the allowlisted service fields, and no legacy ones", () => {
  const properties = Object.keys(serviceSchema().properties as Schema).sort();
  assert.deepEqual(properties, [...specAllowlist].sort());
  for (const legacy of Object.keys(legacyServiceFields)) assert.ok(!properties.includes(legacy));
  assert.equal(serviceSchema().additionalProperties, false);
});

Deno.test("composeSubsetSchema closes the top level: secrets, configs and include are absent", () => {
  const top = Object.keys(composeSubsetSchema.properties as Schema);
  assert.deepEqual(top.sort(), ["name", "networks", "services", "version", "volumes"]);
  for (const refused of ["secrets", "configs", "include"]) {
    assert.notDeepEqual(schemaErrors(composeSubsetSchema, { services: {}, [refused]: {} }), []);
  }
});

Deno.test("the sample stack validates against the generated schemas", () => {
  assert.deepEqual(schemaErrors(jacoManifestSchema, read("jaco.yaml")), []);
  assert.deepEqual(schemaErrors(composeSubsetSchema, read("compose.yml")), []);
});

Deno.test("composeSubsetSchema rejects what the validator rejects per value", () => {
  const doc = read("compose.yml") as { services: Record<string, Record<string, unknown>> };
  const bad = structuredClone(doc);
  bad.services.web.healthcheck = { retries: -1 };
  assert.deepEqual(schemaErrors(composeSubsetSchema, bad), [
    "$.services.web.healthcheck.retries: below 0",
  ]);
  const legacy = structuredClone(doc);
  legacy.services.api.log_driver = "syslog";
  assert.deepEqual(schemaErrors(composeSubsetSchema, legacy), [
    "$.services.api.log_driver: additional property not allowed",
  ]);
});

Deno.test("jacoManifestSchema carries the same enums and bounds the rules use", () => {
  const route = {
    domain: "a.org",
    service: "web",
    port: 70000,
  };
  assert.deepEqual(schemaErrors(jacoManifestSchema, { deployment: "a", routes: [route] }), [
    "$.routes: matches no anyOf variant",
  ]);
  const services = (jacoManifestSchema.properties as Record<string, Schema>).services;
  const list = (services.anyOf as Schema[])[1];
  const placement = ((list.items as Schema).properties as Record<string, Schema>).placement;
  assert.deepEqual((placement.anyOf as Schema[])[1].enum, ["", ...Object.values(PlacementMode)]);
  assert.notDeepEqual(schemaErrors(jacoManifestSchema, { deployment: "Bad Name" }), []);
  assert.notDeepEqual(schemaErrors(jacoManifestSchema, { deployment: "a", extra: 1 }), []);
});
