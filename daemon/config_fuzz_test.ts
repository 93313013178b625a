import assert from "node:assert/strict";
import { isJacoError } from "../proto/errors.ts";
import { parseDaemonConfig } from "./config.ts";

/** Deterministic PRNG (mulberry32) so a failure reproduces from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const keys = [
  "node_name",
  "data_dir",
  "listen_addr",
  "cluster_addr",
  "unix_socket",
  "wg_port",
  "log_level",
  "ipam_pool",
  "node_status_interval",
  "acme_email",
  "acme_ca",
  "acme_enabled",
  "acme_skip_staging",
  "dns",
  "unknown_key",
];
const values = [
  "0",
  "-1",
  "65536",
  "51820",
  "1.5",
  "true",
  "no",
  "~",
  '""',
  "[]",
  "{}",
  "[1.1.1.1, 127.0.0.11]",
  "{forwarders: ['2001:db8::1', 'x:0']}",
  "{forwarder_timeout: -1s}",
  "10.244.0.0/16",
  "10.0.0.0/8",
  "0.0.0.0:7001",
  "'[::]:7000'",
  "/var/lib/jaco",
  "relative",
  "https://ca.example/dir",
  "30s",
  "1h",
  "debug",
  "Node_1",
  "&a x",
  "*a",
  "'unterminated",
  "[",
];

function assertTypedOutcome(text: string): void {
  try {
    parseDaemonConfig(text, "fuzz.yaml", { hostname: "fuzz-host" });
  } catch (error) {
    assert.ok(isJacoError(error), `untyped error for ${JSON.stringify(text)}: ${error}`);
    assert.ok(["validation_failed", "parse_failed"].includes(error.code), error.code);
    if (error.code === "validation_failed") assert.ok(error.details.field, text);
    assert.equal(error.details.source, "fuzz.yaml");
    assert.doesNotMatch(error.message, /\n/);
  }
}

Deno.test("parseDaemonConfig() answers random documents with a config or a typed error", () => {
  const next = random(4);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  for (let round = 0; round < 3_000; round++) {
    const lines = Array.from({ length: 1 + Math.floor(next() * 5) }, () => {
      const indent = next() < 0.1 ? "  " : "";
      return `${indent}${pick(keys)}: ${pick(values)}`;
    });
    assertTypedOutcome(lines.join("\n"));
  }
});

Deno.test("parseDaemonConfig() answers byte-mutated valid files with a config or a typed error", () => {
  const valid = "listen_addr: 10.0.0.5:7000\nwg_port: 51820\ndns:\n  forwarders: [1.1.1.1]\n" +
    "node_status_interval: 1m\nacme_ca: https://ca.example/dir\n";
  const next = random(9);
  const alphabet = ":[]{}-#&*!|>'\"\n \t0123456789abcz/.%@";
  for (let round = 0; round < 3_000; round++) {
    const chars = [...valid];
    for (let edit = 0; edit < 1 + Math.floor(next() * 4); edit++) {
      const at = Math.floor(next() * chars.length);
      chars[at] = alphabet[Math.floor(next() * alphabet.length)];
    }
    assertTypedOutcome(chars.join(""));
  }
});
