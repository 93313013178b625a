import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { IssueJoinTokenResponse } from "../proto/mod.ts";
import { renderStructured } from "./_output.ts";
import {
  formatJoinToken,
  formatTtl,
  joinTokenDocument,
  parseJoinTokenTtl,
  peerPlaceholder,
} from "./node_issue_join_token.ts";

const response = IssueJoinTokenResponse.fromPartial({
  token: "ab".repeat(32),
  caCert: new TextEncoder().encode("-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n"),
  leaderAddrs: ["10.0.0.1:7001"],
  expiresAt: new Date("2026-06-01T13:30:00Z"),
});

Deno.test("parseJoinTokenTtl() accepts whole seconds from 1s to 24h", () => {
  assert.equal(parseJoinTokenTtl("1s"), 1);
  assert.equal(parseJoinTokenTtl("1h30m"), 5400);
  assert.equal(parseJoinTokenTtl("24h"), 86_400);
});

Deno.test("parseJoinTokenTtl() refuses out-of-range or malformed values as validation_failed naming --ttl", () => {
  for (const bad of ["0s", "500ms", "24h1s", "25h", "1.5s", "soon", "-1s", ""]) {
    assert.throws(() => parseJoinTokenTtl(bad), {
      code: "validation_failed",
      details: { field: "--ttl", value: bad },
    }, bad);
  }
});

Deno.test("formatTtl() prints Go-style durations", () => {
  assert.equal(formatTtl(86_400), "24h");
  assert.equal(formatTtl(5400), "1h30m");
  assert.equal(formatTtl(90), "1m30s");
  assert.equal(formatTtl(1), "1s");
});

Deno.test("formatJoinToken() prints the requested lifetime in the expiry note", () => {
  const text = formatJoinToken(response, {
    peer: peerPlaceholder,
    showCa: false,
    caFingerprint: "ff",
    ttlSeconds: 600,
  });
  assert.match(text, /\nToken expires in 10m \(single-use\)\.\n$/);
});

const options = { peer: "10.0.0.1:7000", showCa: false, caFingerprint: "ff", ttlSeconds: 5400 };
const expected = {
  token: "ab".repeat(32),
  join_command: `sudo jaco node join --peer=10.0.0.1:7000 --token=${"ab".repeat(32)}` +
    " --ca-fingerprint=ff",
  peer: "10.0.0.1:7000",
  ca_fingerprint: "ff",
  ttl_seconds: 5400,
  leader_addrs: ["10.0.0.1:7001"],
  expires_at: "2026-06-01T13:30:00Z",
};

Deno.test("node issue-join-token -o json prints the documented fields", async () => {
  const json = await renderStructured(joinTokenDocument(response, options), "json");
  assert.deepEqual(JSON.parse(json), expected);
  const withCa = joinTokenDocument(response, { ...options, showCa: true });
  assert.match(String(withCa.ca_cert), /^-----BEGIN CERTIFICATE-----/);
});

Deno.test("node issue-join-token -o yaml prints the same document", async () => {
  const yaml = await renderStructured(joinTokenDocument(response, options), "yaml");
  assert.deepEqual(parseYaml(yaml), expected);
});
