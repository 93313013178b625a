import assert from "node:assert/strict";
import { formatHostPort, isUnspecifiedHost, parseHostPort } from "./host_port.ts";

Deno.test("parseHostPort() requires a port unless a default is given", () => {
  assert.deepEqual(parseHostPort("10.0.0.1:7000"), {
    ok: true,
    value: { host: "10.0.0.1", port: 7000 },
  });
  assert.deepEqual(parseHostPort("10.0.0.1"), { ok: false, reason: "must be host:port" });
  assert.deepEqual(parseHostPort("10.0.0.1", 53), {
    ok: true,
    value: { host: "10.0.0.1", port: 53 },
  });
});

Deno.test("parseHostPort() accepts a bare IPv6 literal only where the port is optional", () => {
  assert.deepEqual(parseHostPort("2001:db8::1", 53), {
    ok: true,
    value: { host: "2001:db8::1", port: 53 },
  });
  assert.equal(parseHostPort("2001:db8::1").ok, false);
  assert.deepEqual(parseHostPort("[2001:0db8:0::1]:99"), {
    ok: true,
    value: { host: "2001:db8::1", port: 99 },
  });
});

Deno.test("parseHostPort() allows an empty host only where the port is required", () => {
  assert.deepEqual(parseHostPort(":7000"), { ok: true, value: { host: "", port: 7000 } });
  assert.equal(parseHostPort(":53", 53).ok, false);
});

Deno.test("parseHostPort() refuses malformed hosts and ports", () => {
  for (
    const text of [
      "a:b:c",
      "host:-1",
      "host:1e3",
      "[::1",
      "[::1]x",
      "ex ample:1",
      "a..b:1",
      "1.2.3:1",
    ]
  ) {
    assert.equal(parseHostPort(text).ok, false, text);
  }
  assert.equal(parseHostPort(`${"a".repeat(64)}:1`).ok, false);
  assert.equal(parseHostPort(`${"a".repeat(63)}:1`).ok, true);
});

Deno.test("formatHostPort() brackets IPv6 hosts only", () => {
  assert.equal(formatHostPort({ host: "::1", port: 53 }), "[::1]:53");
  assert.equal(formatHostPort({ host: "10.0.0.1", port: 53 }), "10.0.0.1:53");
  assert.equal(formatHostPort({ host: "dns.lan", port: 5353 }), "dns.lan:5353");
});

Deno.test("isUnspecifiedHost() knows the wildcard spellings", () => {
  for (const host of ["", "0.0.0.0", "::"]) assert.equal(isUnspecifiedHost(host), true, host);
  for (const host of ["127.0.0.1", "::1", "node-1"]) {
    assert.equal(isUnspecifiedHost(host), false, host);
  }
});
