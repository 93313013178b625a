import assert from "node:assert/strict";
import { resolverForwarders } from "./dns_forwarders.ts";

function fromResolvConf(text: string | undefined, ipamPool = "10.244.0.0/16") {
  return resolverForwarders({ dns: { forwarders: [], forwarderTimeoutMs: 2_000 }, ipamPool }, text);
}

Deno.test("resolverForwarders() prefers the configured dns.forwarders", () => {
  const config = {
    dns: { forwarders: ["9.9.9.9:53"], forwarderTimeoutMs: 2_000 },
    ipamPool: "10.244.0.0/16",
  };
  assert.deepEqual(resolverForwarders(config, "nameserver 1.1.1.1\n"), {
    forwarders: ["9.9.9.9:53"],
  });
});

Deno.test("resolverForwarders() reads nameserver lines of resolv.conf, normalised", () => {
  const text = [
    "# generated",
    "search example.com",
    "nameserver 192.168.1.1",
    "nameserver   2001:db8::53  # office",
    "nameserver 8.8.8.8;backup",
    "options ndots:2",
    "\tnameserver 1.1.1.1",
    "nameserver 192.168.1.1",
    "#nameserver 4.4.4.4",
  ].join("\n");
  assert.deepEqual(fromResolvConf(text), {
    forwarders: ["192.168.1.1:53", "[2001:db8::53]:53", "8.8.8.8:53", "1.1.1.1:53"],
  });
});

Deno.test("resolverForwarders() skips non-IP values and drops loop addresses silently", () => {
  const text = [
    "nameserver 127.0.0.11",
    "nameserver 10.244.7.1",
    "nameserver 10.50.0.1",
    "nameserver dns.example",
    "nameserver fe80::1%eth0",
    "nameserver",
    "nameserver 127.0.0.53",
    "nameserver 10.244.7.2",
  ].join("\n");
  assert.deepEqual(fromResolvConf(text, "10.50.0.0/16").forwarders, [
    "127.0.0.53:53",
    "10.244.7.2:53",
  ]);
});

Deno.test("resolverForwarders() warns once when nothing usable remains", () => {
  for (
    const text of [undefined, "", "nameserver 127.0.0.11\nnameserver 10.244.0.1\n", "search lan\n"]
  ) {
    const result = fromResolvConf(text);
    assert.deepEqual(result.forwarders, []);
    assert.match(result.warning ?? "", /^dns: no upstream resolvers configured /);
    assert.match(result.warning ?? "", /SERVFAIL/);
  }
  assert.equal(fromResolvConf("nameserver 1.1.1.1").warning, undefined);
});
