/**
 * Property test: randomly mutated manifests (seeded, reproducible) through
 * `validateManifests` only ever fail with a `JacoError`, and whatever is
 * accepted is also valid against the generated JSON Schemas and survives
 * the downstream functions (merge, TCP routes, mounts, spec hashes).
 *
 * Reproduce a failure with `FUZZ_SEED=<seed> deno test -A compose/manifest_fuzz_test.ts`.
 */
import assert from "node:assert/strict";
import { parse, stringify } from "yaml";
import { isJacoError } from "../proto/errors.ts";
import { composeServiceFields, legacyServiceFields } from "./_compose_fields.ts";
import { routeFields, serviceOverrideFields } from "./_jaco_fields.ts";
import { schemaErrors } from "./_json_schema_testing.ts";
import { parseComposeProject } from "./compose_project.ts";
import { parseJacoManifest } from "./jaco_manifest.ts";
import { effectiveServices } from "./merge.ts";
import { tcpRoutesOf } from "./ports.ts";
import { composeSubsetSchema, jacoManifestSchema } from "./schema.ts";
import { specHash } from "./spec_hash.ts";
import { validateManifests } from "./validate.ts";
import { serviceMounts } from "./volumes.ts";

const iterations = 10_000;
const maxInputChars = 32_768;

/** mulberry32: small, fast, good enough to drive mutations reproducibly. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Compact seeds touching every rule family; small so 10,000 rounds stay fast. */
const jacoText = `deployment: demo
acme: off
services:
  - {name: web, replicas: 2, networks: [edge]}
  - {name: db, placement: hosts, hosts: [n1]}
  - {name: agent, placement: global}
routes:
  - {domain: demo.test, service: web, port: 8080}
  - {domain: demo.test, service: api, port: 81, path: /api, strip_path: true, tls: off}
`;
const composeText = `x-img: &img {image: jaco-test/busybox:1, pull_policy: never}
services:
  web:
    <<: *img
    healthcheck: {test: [CMD, wget, -q, "http://127.0.0.1:8080/"], interval: 2s, retries: 3}
    networks: [edge, default]
    depends_on: {api: {condition: service_healthy}}
  api:
    <<: *img
    environment: {DB: db, PORT: "5432"}
    ports: ["8081:81", {target: 82, published: 9082}]
  db: {image: x, volumes: ["data:/data", "/srv:/srv:ro"], deploy: {replicas: 1}}
  agent: {image: x, privileged: true, labels: ["jaco.io/allow-privileged=true"]}
  side: {image: x, network_mode: "service:api", stop_grace_period: 1m30s, shm_size: 64m, env_file: [.env]}
networks: {edge: {}}
volumes: {data: {}}
`;
const jacoSeed = parse(jacoText, { merge: true });
const composeSeed = parse(composeText, { merge: true });

const fieldNames = [
  ...Object.keys(composeServiceFields),
  ...Object.keys(legacyServiceFields),
  ...Object.keys(routeFields),
  ...Object.keys(serviceOverrideFields),
  "deployment",
  "acme",
  "acme_email",
  "services",
  "routes",
  "networks",
  "volumes",
  "secrets",
  "include",
  "x-ext",
  "compose_service",
  "__proto__",
  "constructor",
  "condition",
  "external",
  "published",
  "target",
  "protocol",
  "host_ip",
  "test",
  "retries",
  "interval",
  "replicas",
];
const strings = [
  "",
  " ",
  "80:80",
  "443",
  "0.0.0.0:443:443/tcp",
  "127.0.0.1:5432:5432",
  "8000-8010:80-90",
  "1-65535:1-65535",
  "service:web",
  "service:",
  "service:ghost",
  "none",
  "host",
  "container:abc",
  "${VAR}",
  "${VAR:-x}",
  "$$",
  "a:b:c:d",
  "data:/data",
  "/host:/ctr:ro",
  "10s",
  "1m30s",
  "-1s",
  "64m",
  "1g",
  "service_healthy",
  "service_completed_successfully",
  "true",
  "True",
  "on",
  "OFF",
  "global",
  "hosts",
  "spread",
  "never",
  "daily",
  "a.example.org",
  "*.x.org",
  "/api",
  "api",
  "jaco.io/allow-privileged=true",
  "ünïcödé",
  "😀",
  "\u0000",
  "\t",
  "__proto__",
  "toString",
  "x".repeat(300),
];

type Json = unknown;

function randomScalar(rand: () => number): Json {
  const pick = Math.floor(rand() * 12);
  switch (pick) {
    case 0:
      return Math.floor(rand() * 70000) - 1000;
    case 1:
      return [0, -1, 1, 65535, 65536, 1e308, -0.5, 2.5, 2 ** 53][Math.floor(rand() * 9)];
    case 2:
      return rand() < 0.5;
    case 3:
      return null;
    case 4:
      return "z".repeat(Math.floor(rand() * 4_000));
    case 5:
      return String.fromCodePoint(...Array.from({ length: 8 }, () => Math.floor(rand() * 0x2ffff)));
    default:
      return strings[Math.floor(rand() * strings.length)];
  }
}

function randomValue(rand: () => number, depth = 0): Json {
  const r = rand();
  if (depth > 2 || r < 0.6) return randomScalar(rand);
  if (r < 0.8) {
    return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  }
  const map: Record<string, Json> = {};
  for (let i = Math.floor(rand() * 4); i > 0; i--) {
    const key = fieldNames[Math.floor(rand() * fieldNames.length)];
    Object.defineProperty(map, key, {
      value: randomValue(rand, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return map;
}

function deepNest(value: Json, levels: number, rand: () => number): Json {
  let nested = value;
  for (let i = 0; i < levels; i++) nested = rand() < 0.5 ? [nested] : { k: nested };
  return nested;
}

/** All container nodes with their keys, so one can be picked uniformly. */
function containers(value: Json, out: Array<Record<string, Json> | Json[]> = [], depth = 0) {
  if (depth > 12 || typeof value !== "object" || value === null) return out;
  out.push(value as Record<string, Json>);
  for (const child of Object.values(value)) containers(child, out, depth + 1);
  return out;
}

function mutateTree(seed: Json, rand: () => number): Json {
  const doc = structuredClone(seed);
  const rounds = 1 + Math.floor(rand() * 4);
  for (let round = 0; round < rounds; round++) {
    const nodes = containers(doc);
    const node = nodes[Math.floor(rand() * nodes.length)] as Record<string, Json>;
    const keys = Object.keys(node);
    const key = keys.length > 0 ? keys[Math.floor(rand() * keys.length)] : "0";
    const op = Math.floor(rand() * 7);
    if (op === 0) delete node[key];
    else if (op === 1) node[key] = randomScalar(rand);
    else if (op === 2) node[key] = randomValue(rand);
    else if (op === 3 && !Array.isArray(node)) {
      const name = fieldNames[Math.floor(rand() * fieldNames.length)];
      Object.defineProperty(node, name, {
        value: randomValue(rand),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else if (op === 4) node[key] = deepNest(node[key] ?? 1, 10 + Math.floor(rand() * 60), rand);
    else if (op === 5 && Array.isArray(node) && node.length > 0) {
      node.push(structuredClone(node[0]));
    } else node[key] = strings[Math.floor(rand() * strings.length)];
  }
  return doc;
}

const aliasBomb = [
  "x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
  "x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
  "x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
  "x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
  "x-e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
  "x-f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]",
  "x-g: [*f, *f, *f, *f, *f, *f, *f, *f, *f]",
].join("\n") + "\n";
const noise = ":-[]{}&*!|>'\"\n\t #%@`,?<";

function mutateText(text: string, rand: () => number): string {
  const op = Math.floor(rand() * 5);
  if (op === 0) return aliasBomb + text;
  if (op === 1) return text.slice(0, Math.floor(rand() * text.length));
  if (op === 2) return "[".repeat(60 + Math.floor(rand() * 60)) + text;
  let out = text;
  for (let i = 1 + Math.floor(rand() * 5); i > 0; i--) {
    const at = Math.floor(rand() * out.length);
    const ch = noise[Math.floor(rand() * noise.length)];
    out = rand() < 0.5
      ? out.slice(0, at) + ch + out.slice(at)
      : out.slice(0, at) + out.slice(at + 1);
  }
  return out;
}

function mutate(seedText: string, seedValue: Json, rand: () => number): string {
  if (rand() < 0.3) return mutateText(seedText, rand);
  const tree = mutateTree(seedValue, rand);
  // JSON is YAML too and is cheap to emit; block style is exercised by a share of the rounds.
  const text = rand() < 0.8 ? JSON.stringify(tree) ?? "null" : stringify(tree);
  return rand() < 0.1 ? mutateText(text, rand) : text;
}

/** What an accepted input must also satisfy. */
function checkAccepted(
  input: { jaco?: string; compose?: string; envFileResolved?: boolean },
): void {
  const jaco = input.jaco === undefined ? undefined : parseJacoManifest(input.jaco);
  if (input.jaco !== undefined) {
    assert.deepEqual(
      schemaErrors(jacoManifestSchema, parse(input.jaco, { merge: true }) ?? {}),
      [],
    );
  }
  if (input.compose === undefined) return;
  assert.deepEqual(schemaErrors(composeSubsetSchema, parse(input.compose, { merge: true })), []);
  const compose = parseComposeProject(input.compose, { envFileResolved: input.envFileResolved });
  const deployment = jaco?.deployment ?? "d";
  if (jaco) effectiveServices(jaco, compose);
  tcpRoutesOf(deployment, compose);
  for (const name of compose.serviceNames) {
    specHash(compose, name);
    serviceMounts(deployment, compose, name);
  }
}

Deno.test("validateManifests() on 10,000 mutated manifests throws only JacoError; accepted ones fit the schemas", () => {
  const baseSeed = Number(Deno.env.get("FUZZ_SEED") ?? 0x5eed);
  const outcomes = new Map<string, number>();
  for (let i = 0; i < iterations; i++) {
    const seed = baseSeed + i;
    const rand = prng(seed);
    // Mostly one file alone (as `jaco validate --jaco` / `--compose`), sometimes the pair.
    const which = rand();
    const input: { jaco?: string; compose?: string; envFileResolved?: boolean } = {
      envFileResolved: rand() < 0.2,
    };
    if (which < 0.45) input.jaco = mutate(jacoText, jacoSeed, rand);
    else if (which < 0.85) input.compose = mutate(composeText, composeSeed, rand);
    else if (rand() < 0.5) {
      Object.assign(input, { jaco: mutate(jacoText, jacoSeed, rand), compose: composeText });
    } else {Object.assign(input, {
        jaco: jacoText,
        compose: mutate(composeText, composeSeed, rand),
      });}
    input.jaco = input.jaco?.slice(0, maxInputChars);
    input.compose = input.compose?.slice(0, maxInputChars);
    let outcome = "accepted";
    try {
      validateManifests(input);
    } catch (error) {
      if (!isJacoError(error)) {
        throw new Error(
          `seed ${seed}: non-JacoError ${error}\n--- jaco\n${input.jaco}\n--- compose\n${input.compose}`,
          {
            cause: error,
          },
        );
      }
      outcome = error.code;
    }
    if (outcome === "accepted") {
      try {
        checkAccepted(input);
      } catch (error) {
        throw new Error(
          `seed ${seed}: accepted input broke an invariant\n--- jaco\n${input.jaco}\n--- compose\n${input.compose}`,
          {
            cause: error,
          },
        );
      }
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  const tally = [...outcomes].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
  console.log(`fuzz: ${iterations} inputs, ${tally.join(" ")}`);
  // The mutations must exercise both sides: some inputs pass, many distinct codes fail.
  assert.ok((outcomes.get("accepted") ?? 0) > 100);
  assert.ok(outcomes.size >= 8, tally.join(" "));
});
