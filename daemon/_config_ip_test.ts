import assert from "node:assert/strict";
import {
  canonicalIPv6,
  formatIPv4,
  ipv4InNetwork,
  ipv4ValueOf,
  parseIPv4,
  parseIPv4Cidr,
} from "./_config_ip.ts";

Deno.test("parseIPv4() accepts only strict dotted quads", () => {
  assert.equal(parseIPv4("10.244.0.1"), 0x0af40001);
  assert.equal(parseIPv4("255.255.255.255"), 0xffffffff);
  for (const text of ["010.0.0.1", "1.2.3", "1.2.3.256", "0x0a.0.0.1", "1.2.3.4 ", "", "::1"]) {
    assert.equal(parseIPv4(text), undefined, text);
  }
  assert.equal(formatIPv4(0x0af40001), "10.244.0.1");
});

Deno.test("canonicalIPv6() canonicalises and refuses non-IPv6 text", () => {
  assert.equal(canonicalIPv6("2001:0DB8:0:0::1"), "2001:db8::1");
  for (const text of ["10.0.0.1", "fe80::1%eth0", "zz::1", "1:2:3:4:5:6:7:8:9", "host"]) {
    assert.equal(canonicalIPv6(text), undefined, text);
  }
});

Deno.test("ipv4ValueOf() sees through IPv4-mapped IPv6 spellings", () => {
  assert.equal(ipv4ValueOf("::ffff:127.0.0.11"), parseIPv4("127.0.0.11"));
  assert.equal(ipv4ValueOf("::ffff:7f00:b"), parseIPv4("127.0.0.11"));
  assert.equal(ipv4ValueOf("2001:db8::1"), undefined);
});

Deno.test("parseIPv4Cidr() masks host bits and ipv4InNetwork() tests membership", () => {
  const pool = parseIPv4Cidr("10.244.9.9/16")!;
  assert.deepEqual(pool, { base: parseIPv4("10.244.0.0"), prefix: 16 });
  assert.equal(ipv4InNetwork(parseIPv4("10.244.255.255")!, pool), true);
  assert.equal(ipv4InNetwork(parseIPv4("10.245.0.0")!, pool), false);
  assert.equal(parseIPv4Cidr("10.0.0.0/33"), undefined);
  assert.equal(parseIPv4Cidr("10.0.0.0"), undefined);
  assert.deepEqual(parseIPv4Cidr("0.0.0.0/0"), { base: 0, prefix: 0 });
});
