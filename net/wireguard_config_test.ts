/**
 * The desired mesh of one node (`wireguard_config.ts`): peers, `wg` text, routes and route diff.
 */
import assert from "node:assert/strict";
import {
  desiredRoutes,
  endpointOf,
  hostOfAddress,
  isIpLiteral,
  type MeshNode,
  parseRouteDestinations,
  planPeers,
  planWgSet,
  renderWgConfig,
  staleRoutes,
  wgConfigSatisfied,
  wgSetCommand,
  wgSetPlanEmpty,
} from "./wireguard_config.ts";

const key = (fill: number) => new Uint8Array(32).fill(fill);
const node = (hostname: string, fields: Partial<MeshNode> = {}): MeshNode => ({
  hostname,
  address: `10.0.0.${hostname.slice(-1)}:7001`,
  wireguardPubkey: key(hostname.charCodeAt(hostname.length - 1)),
  meshIp: `10.99.0.${hostname.slice(-1)}`,
  ...fields,
});

Deno.test("hostOfAddress()/isIpLiteral()/endpointOf() handle IPv4, bracketed IPv6 and names", () => {
  assert.equal(hostOfAddress("10.0.0.5:7001"), "10.0.0.5");
  assert.equal(hostOfAddress("[fd00::1]:7001"), "fd00::1");
  assert.equal(hostOfAddress("node-2.example:7001"), "node-2.example");
  assert.equal(hostOfAddress("fd00::1"), "fd00::1");
  assert.ok(isIpLiteral("10.0.0.5"));
  assert.ok(isIpLiteral("fd00::1"));
  assert.ok(!isIpLiteral("node-2.example"));
  assert.ok(!isIpLiteral("300.1.1.1"));
  assert.equal(endpointOf("10.0.0.5", 51999), "10.0.0.5:51999");
  assert.equal(endpointOf("fd00::1", 51999), "[fd00::1]:51999");
});

Deno.test("planPeers() lists every other keyed node with its mesh /32 and hosted /24s", () => {
  const { peers, skipped } = planPeers({
    self: "n1",
    nodes: [
      node("n3"),
      node("n1"),
      node("n2", { address: "node-2.example:7001" }),
      node("n4", { wireguardPubkey: new Uint8Array() }),
      node("n5", { meshIp: "" }),
    ],
    subnets: [
      { host: "n2", cidr: "10.244.3.0/24" },
      { host: "n2", cidr: "10.244.1.0/24" },
      { host: "n1", cidr: "10.244.0.0/24" },
      { host: "n5", cidr: "10.244.7.0/24" },
      { host: "", cidr: "10.244.9.0/24" },
    ],
  });
  assert.deepEqual(peers, [
    {
      hostname: "n2",
      publicKey: btoa(String.fromCharCode(...key(50))),
      endpointHost: "node-2.example",
      allowedIps: ["10.99.0.2/32", "10.244.1.0/24", "10.244.3.0/24"],
    },
    {
      hostname: "n3",
      publicKey: btoa(String.fromCharCode(...key(51))),
      endpointHost: "10.0.0.3",
      allowedIps: ["10.99.0.3/32"],
    },
    {
      hostname: "n5",
      publicKey: btoa(String.fromCharCode(...key(53))),
      endpointHost: "10.0.0.5",
      allowedIps: ["10.244.7.0/24"],
    },
  ]);
  assert.deepEqual(skipped, [{ hostname: "n4", reason: "no_key" }]);
});

Deno.test("renderWgConfig() renders the interface and every peer (keepalive 25, endpoint optional)", () => {
  const text = renderWgConfig({
    privateKey: "PRIV=",
    listenPort: 51999,
    peers: [
      {
        publicKey: "A=",
        endpoint: "10.0.0.2:51999",
        allowedIps: ["10.99.0.2/32", "10.244.1.0/24"],
      },
      { publicKey: "B=", endpoint: "", allowedIps: [] },
    ],
  });
  assert.equal(
    text,
    `[Interface]
PrivateKey = PRIV=
ListenPort = 51999

[Peer]
PublicKey = A=
AllowedIPs = 10.99.0.2/32, 10.244.1.0/24
Endpoint = 10.0.0.2:51999
PersistentKeepalive = 25

[Peer]
PublicKey = B=
PersistentKeepalive = 25
`,
  );
  assert.equal(
    renderWgConfig({ privateKey: "P=", listenPort: 1, peers: [] }),
    "[Interface]\nPrivateKey = P=\nListenPort = 1\n",
  );
});

Deno.test("desiredRoutes() is every other host's /24; staleRoutes() keeps those and the mesh /24", () => {
  const routes = desiredRoutes("n1", [
    { host: "n2", cidr: "10.244.2.0/24" },
    { host: "n1", cidr: "10.244.0.0/24" },
    { host: "n3", cidr: "10.244.1.0/24" },
    { host: "", cidr: "10.244.9.0/24" },
    { host: "n3", cidr: "10.244.1.0/24" },
  ]);
  assert.deepEqual(routes, ["10.244.1.0/24", "10.244.2.0/24"]);
  const live = parseRouteDestinations(JSON.stringify([
    { dst: "10.99.0.0/24", dev: "jaco0", scope: "link" },
    { dst: "10.244.1.0/24", dev: "jaco0", prefsrc: "10.99.0.1" },
    { dst: "10.244.5.0/24", dev: "jaco0", prefsrc: "10.99.0.1" },
    { dst: "10.1.2.3", dev: "jaco0" },
  ]));
  assert.deepEqual(live, ["10.99.0.0/24", "10.244.1.0/24", "10.244.5.0/24", "10.1.2.3/32"]);
  assert.deepEqual(staleRoutes(live, routes), ["10.244.5.0/24", "10.1.2.3/32"]);
  assert.deepEqual(parseRouteDestinations(""), []);
});

Deno.test("wgConfigSatisfied() is true only when syncconf would change nothing on the live device", () => {
  const desired = renderWgConfig({
    privateKey: "PRIV=",
    listenPort: 51999,
    peers: [
      {
        publicKey: "A=",
        endpoint: "10.0.0.2:51999",
        allowedIps: ["10.99.0.2/32", "10.244.1.0/24"],
      },
      { publicKey: "B=", endpoint: "", allowedIps: ["10.99.0.3/32"] },
    ],
  });
  // `wg showconf` order: ListenPort before PrivateKey, allowed IPs in the device's order, and an
  // endpoint learned from B (which has none configured).
  const live = (fields: { port?: string; a?: string; aEndpoint?: string; b?: string } = {}) =>
    `[Interface]
ListenPort = ${fields.port ?? "51999"}
PrivateKey = PRIV=

[Peer]
PublicKey = B=
AllowedIPs = ${fields.b ?? "10.99.0.3/32"}
Endpoint = 10.0.0.3:51999
PersistentKeepalive = 25

[Peer]
PublicKey = A=
AllowedIPs = ${fields.a ?? "10.244.1.0/24, 10.99.0.2/32"}
Endpoint = ${fields.aEndpoint ?? "10.0.0.2:51999"}
PersistentKeepalive = 25
`;
  assert.equal(wgConfigSatisfied(desired, live()), true);
  assert.equal(wgConfigSatisfied(desired, live({ port: "51820" })), false, "listen port");
  assert.equal(wgConfigSatisfied(desired, live({ a: "10.99.0.2/32" })), false, "a /24 missing");
  assert.equal(
    wgConfigSatisfied(desired, live({ a: "10.99.0.2/32, 10.244.1.0/24, 10.244.7.0/24" })),
    false,
    "an extra allowed IP",
  );
  assert.equal(wgConfigSatisfied(desired, live({ b: "" })), false, "allowed IPs cleared by hand");
  assert.equal(wgConfigSatisfied(desired, live({ aEndpoint: "10.0.0.9:51999" })), false);
  assert.equal(wgConfigSatisfied(desired, live().replace("PRIV=", "OTHER=")), false, "key");
  assert.equal(
    wgConfigSatisfied(desired, live().replace("PersistentKeepalive = 25\n", "")),
    false,
    "keepalive off on B",
  );
  const extraPeer = live() + "\n[Peer]\nPublicKey = C=\nAllowedIPs = 10.99.0.4/32\n";
  assert.equal(wgConfigSatisfied(desired, extraPeer), false, "a peer to remove");
  const onlyA = live().split("\n[Peer]\nPublicKey = A=")[0];
  assert.equal(wgConfigSatisfied(desired, onlyA), false, "a peer to add");
  assert.equal(wgConfigSatisfied(desired, ""), false, "no device");
  // The device prints its private key clamped (X25519); our key file holds the raw scalar.
  const raw = new Uint8Array(32).fill(0xff);
  const clampedKey = new Uint8Array(32).fill(0xff);
  clampedKey[0] = 0xf8;
  clampedKey[31] = 0x7f;
  const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
  assert.equal(
    wgConfigSatisfied(
      renderWgConfig({ privateKey: b64(raw), listenPort: 1, peers: [] }),
      `[Interface]\nListenPort = 1\nPrivateKey = ${b64(clampedKey)}\n`,
    ),
    true,
  );
  assert.equal(
    wgConfigSatisfied(
      renderWgConfig({ privateKey: "P=", listenPort: 1, peers: [] }),
      "[Interface]\nListenPort = 1\nPrivateKey = P=\n",
    ),
    true,
  );
});

Deno.test("planWgSet() yields only the differing wg set operations; wgSetCommand() renders them", () => {
  const desired = (peers: { publicKey: string; endpoint: string; allowedIps: string[] }[]) =>
    renderWgConfig({ privateKey: "PRIV=", listenPort: 51999, peers });
  const a = { publicKey: "A=", endpoint: "10.0.0.2:51999", allowedIps: ["10.99.0.2/32"] };
  const b = { publicKey: "B=", endpoint: "10.0.0.3:51999", allowedIps: ["10.99.0.3/32"] };
  const live = `[Interface]
ListenPort = 51999
PrivateKey = PRIV=

[Peer]
PublicKey = B=
AllowedIPs = 10.99.0.3/32
Endpoint = 10.0.0.3:51999
PersistentKeepalive = 25

[Peer]
PublicKey = A=
AllowedIPs = 10.99.0.2/32
Endpoint = 10.0.0.2:51999
PersistentKeepalive = 25
`;
  const unchanged = planWgSet(desired([a, b]), live)!;
  assert.deepEqual(unchanged, { peers: [] });
  assert.ok(wgSetPlanEmpty(unchanged));

  // A new /24 on one host: only that peer, only its allowed IPs (the complete list).
  const grown = planWgSet(
    desired([{ ...a, allowedIps: ["10.99.0.2/32", "10.244.1.0/24"] }, b]),
    live,
  )!;
  assert.deepEqual(grown, {
    peers: [{ publicKey: "A=", remove: false, allowedIps: ["10.99.0.2/32", "10.244.1.0/24"] }],
  });
  assert.deepEqual(wgSetCommand("jaco0", grown), {
    args: ["set", "jaco0", "peer", "A=", "allowed-ips", "10.99.0.2/32,10.244.1.0/24"],
  });

  // A node joins: the new peer with endpoint, keepalive and allowed IPs; the others untouched.
  const c = { publicKey: "C=", endpoint: "[fd00::4]:51999", allowedIps: ["10.99.0.4/32"] };
  const joined = planWgSet(desired([a, b, c]), live)!;
  assert.deepEqual(wgSetCommand("jaco0", joined).args, [
    "set",
    "jaco0",
    "peer",
    "C=",
    "endpoint",
    "[fd00::4]:51999",
    "persistent-keepalive",
    "25",
    "allowed-ips",
    "10.99.0.4/32",
  ]);
  // A new peer without endpoint or allowed IPs sets only its keepalive.
  assert.deepEqual(
    planWgSet(desired([a, b, { publicKey: "C=", endpoint: "", allowedIps: [] }]), live)!.peers,
    [{ publicKey: "C=", remove: false, persistentKeepalive: "25" }],
  );

  // A node leaves: only its removal.
  const left = planWgSet(desired([a]), live)!;
  assert.deepEqual(left, { peers: [{ publicKey: "B=", remove: true }] });
  assert.deepEqual(wgSetCommand("jaco0", left).args, ["set", "jaco0", "peer", "B=", "remove"]);

  // Endpoint moved, keepalive off by hand, allowed IPs cleared: each only where it differs.
  const drifted = live.replace("Endpoint = 10.0.0.2:51999", "Endpoint = 10.0.0.9:51999")
    .replace("PersistentKeepalive = 25\n\n", "\n")
    .replace("AllowedIPs = 10.99.0.3/32\n", "");
  assert.deepEqual(planWgSet(desired([a, b]), drifted)!.peers, [
    { publicKey: "A=", remove: false, endpoint: "10.0.0.2:51999" },
    { publicKey: "B=", remove: false, persistentKeepalive: "25", allowedIps: ["10.99.0.3/32"] },
  ]);
  // Desired without allowed IPs on a live peer that has some: replaced by the empty list.
  const emptied = planWgSet(desired([a, { ...b, allowedIps: [] }]), live)!;
  assert.deepEqual(wgSetCommand("jaco0", emptied).args, [
    "set",
    "jaco0",
    "peer",
    "B=",
    "allowed-ips",
    "",
  ]);
  // An endpoint learned by the device for a peer configured without one is no difference.
  assert.ok(wgSetPlanEmpty(planWgSet(desired([a, { ...b, endpoint: "" }]), live)!));

  // Listen port and private key only when they differ; the key goes on stdin, unclamped.
  const moved = planWgSet(desired([a, b]), live.replace("ListenPort = 51999", "ListenPort = 1"))!;
  assert.deepEqual(wgSetCommand("jaco0", moved), {
    args: ["set", "jaco0", "listen-port", "51999"],
  });
  const raw = btoa(String.fromCharCode(...new Uint8Array(32).fill(0xff)));
  const rekeyed = planWgSet(
    renderWgConfig({ privateKey: raw, listenPort: 51999, peers: [a, b] }),
    live,
  )!;
  assert.deepEqual(wgSetCommand("jaco0", rekeyed), {
    args: ["set", "jaco0", "private-key", "/dev/stdin"],
    stdin: `${raw}\n`,
  });
  // A fresh device (no key, no port, no peers) gets everything in one call, removals first.
  const fresh = planWgSet(
    desired([a]),
    "[Interface]\nListenPort = 40000\n" +
      "\n[Peer]\nPublicKey = Z=\nAllowedIPs = 10.99.0.9/32\n",
  )!;
  assert.deepEqual(wgSetCommand("jaco0", fresh), {
    args: [
      "set",
      "jaco0",
      "listen-port",
      "51999",
      "private-key",
      "/dev/stdin",
      "peer",
      "Z=",
      "remove",
      "peer",
      "A=",
      "endpoint",
      "10.0.0.2:51999",
      "persistent-keepalive",
      "25",
      "allowed-ips",
      "10.99.0.2/32",
    ],
    stdin: "PRIV=\n",
  });

  // A difference wg set cannot express falls back to syncconf (undefined); equal is fine.
  const psk = desired([a, b]).replace("PublicKey = A=\n", "PublicKey = A=\nPresharedKey = K=\n");
  assert.equal(planWgSet(psk, live), undefined);
  assert.ok(
    wgSetPlanEmpty(
      planWgSet(psk, live.replace("PublicKey = A=\n", "PublicKey = A=\nPresharedKey = K=\n"))!,
    ),
  );
});
