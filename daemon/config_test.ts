import assert from "node:assert/strict";
import { isJacoError, type JacoError } from "../proto/errors.ts";
import { type DaemonConfig, letsEncryptProduction, parseDaemonConfig } from "./config.ts";

const source = "/etc/jaco/jacod.yaml";

function parse(text: string, hostname = "node-1"): DaemonConfig {
  return parseDaemonConfig(text, source, { hostname });
}

/** Parses, expecting a JacoError; returns it. */
function failure(text: string, hostname = "node-1"): JacoError {
  try {
    parse(text, hostname);
  } catch (error) {
    assert.ok(isJacoError(error), `expected a JacoError, got ${error}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(text)} to be refused`);
}

function assertRefused(text: string, field: string, message: string): void {
  const error = failure(text);
  assert.equal(error.code, "validation_failed");
  assert.equal(error.message, message);
  assert.equal(error.details.field, field);
  assert.equal(error.details.source, source);
}

const allDefaults: DaemonConfig = {
  nodeName: "node-1",
  dataDir: "/var/lib/jaco",
  listenAddr: { host: "0.0.0.0", port: 7000 },
  clusterAddr: { host: "0.0.0.0", port: 7001 },
  unixSocket: "/var/run/jaco/jaco.sock",
  wgPort: 51820,
  logLevel: "info",
  ipamPool: "10.244.0.0/16",
  nodeStatusIntervalMs: 30_000,
  acmeEmail: "",
  acmeCa: letsEncryptProduction,
  acmeEnabled: true,
  acmeSkipStaging: false,
  dns: { forwarders: [], forwarderTimeoutMs: 2_000 },
};

Deno.test("parseDaemonConfig() gives every default for an empty or comment-only file", () => {
  for (const text of ["", "\n", "# all defaults\n", "---\n", "dns: {}\n", "dns:\n"]) {
    assert.deepEqual(parse(text), allDefaults, JSON.stringify(text));
  }
});

Deno.test("parseDaemonConfig() treats a null value as absent (the default applies)", () => {
  assert.deepEqual(parse("data_dir:\nwg_port: ~\ndns:\n  forwarders:\n"), allDefaults);
});

Deno.test("parseDaemonConfig() reads every key of a full file", () => {
  const config = parse(`
node_name: web-2
data_dir: /srv/jaco
listen_addr: 10.0.0.5:7100
cluster_addr: "[fd00::5]:7101"
unix_socket: /run/jaco/other.sock
wg_port: 51000
log_level: debug
ipam_pool: 10.50.0.0/16
node_status_interval: 1m30s
acme_email: ops@example.com
acme_ca: https://acme-staging-v02.api.letsencrypt.org/directory
acme_enabled: false
acme_skip_staging: true
dns:
  forwarders: [1.1.1.1, "9.9.9.9:5353"]
  forwarder_timeout: 500ms
`);
  assert.deepEqual(config, {
    nodeName: "web-2",
    dataDir: "/srv/jaco",
    listenAddr: { host: "10.0.0.5", port: 7100 },
    clusterAddr: { host: "fd00::5", port: 7101 },
    unixSocket: "/run/jaco/other.sock",
    wgPort: 51000,
    logLevel: "debug",
    ipamPool: "10.50.0.0/16",
    nodeStatusIntervalMs: 90_000,
    acmeEmail: "ops@example.com",
    acmeCa: "https://acme-staging-v02.api.letsencrypt.org/directory",
    acmeEnabled: false,
    acmeSkipStaging: true,
    dns: { forwarders: ["1.1.1.1:53", "9.9.9.9:5353"], forwarderTimeoutMs: 500 },
  });
});

Deno.test("parseDaemonConfig() refuses unknown keys at any level, naming the dotted path", () => {
  assertRefused("dat_dir: /x\n", "dat_dir", 'unknown key "dat_dir"');
  assertRefused("dns:\n  forwarder: [1.1.1.1]\n", "dns.forwarder", 'unknown key "dns.forwarder"');
  assertRefused("<<: {wg_port: 1}\n", "<<", 'unknown key "<<"');
  assertRefused("__proto__: {wg_port: 1}\n", "__proto__", 'unknown key "__proto__"');
  assertRefused("dns:\n  constructor: 1\n", "dns.constructor", 'unknown key "dns.constructor"');
});

Deno.test("parseDaemonConfig() refuses a document or dns section that is not a mapping", () => {
  assertRefused("- data_dir\n", "(root)", "the top level must be a mapping");
  assertRefused("just text\n", "(root)", "the top level must be a mapping");
  assertRefused("dns: [1.1.1.1]\n", "dns", "dns must be a mapping");
});

Deno.test("parseDaemonConfig() refuses wrong types with the field and the value's kind", () => {
  const cases: [string, string, string][] = [
    ["data_dir: 5", "data_dir", "data_dir must be a string (got number 5)"],
    ["listen_addr: 7000", "listen_addr", "listen_addr must be a string (got number 7000)"],
    ["unix_socket: [a]", "unix_socket", "unix_socket must be a string (got a list)"],
    ["wg_port: '51820'", "wg_port", 'wg_port must be an integer (got string "51820")'],
    ["wg_port: 5.5", "wg_port", "wg_port must be an integer (got number 5.5)"],
    ["log_level: 3", "log_level", "log_level must be a string (got number 3)"],
    ["ipam_pool: {a: 1}", "ipam_pool", "ipam_pool must be a string (got a mapping)"],
    [
      "node_status_interval: 30",
      "node_status_interval",
      'node_status_interval must be a duration such as "30s" or "1m30s" (got number 30)',
    ],
    [
      "node_status_interval: 30 seconds",
      "node_status_interval",
      'node_status_interval must be a duration such as "30s" or "1m30s" (got string "30 seconds")',
    ],
    ["acme_email: true", "acme_email", "acme_email must be a string (got boolean true)"],
    ["acme_ca: 1", "acme_ca", "acme_ca must be a string (got number 1)"],
    ["acme_enabled: yes", "acme_enabled", 'acme_enabled must be true or false (got string "yes")'],
    [
      "acme_skip_staging: 1",
      "acme_skip_staging",
      "acme_skip_staging must be true or false (got number 1)",
    ],
    [
      "dns: {forwarders: 1.1.1.1}",
      "dns.forwarders",
      'dns.forwarders must be a list of strings (got string "1.1.1.1")',
    ],
    [
      "dns: {forwarders: [1.1.1.1, 53]}",
      "dns.forwarders[1]",
      "dns.forwarders[1] must be a string (got number 53)",
    ],
    [
      "dns: {forwarder_timeout: 2}",
      "dns.forwarder_timeout",
      'dns.forwarder_timeout must be a duration such as "30s" or "1m30s" (got number 2)',
    ],
    ["node_name: 7", "node_name", "node_name must be a string (got number 7)"],
  ];
  for (const [text, field, message] of cases) assertRefused(text, field, message);
});

Deno.test("parseDaemonConfig() reports YAML syntax errors as parse_failed with the position", () => {
  for (
    const text of ["wg_port: [1\n", "a: 1\na: 2\n", 'key: "unterminated\n', "a: 1\n---\nb: 2\n"]
  ) {
    const error = failure(text);
    assert.equal(error.code, "parse_failed", text);
    assert.match(error.message, /^cannot parse \/etc\/jaco\/jacod\.yaml: /);
    assert.equal(error.details.source, source);
  }
  assert.match(failure("a: 1\na: 2\n").message, /line 2, column 1/);
});

Deno.test("parseDaemonConfig() refuses unresolved YAML tags and alias bombs as parse_failed", () => {
  const tagged = failure("data_dir: !secret /var/lib/jaco\n");
  assert.equal(tagged.code, "parse_failed");
  assert.match(tagged.message, /tag/i);
  // Each anchor repeats the previous one ten times: 10^8 nodes if expanded.
  const names = "abcdefgh";
  const bomb = [`a: &a [${Array(10).fill("x").join(", ")}]`];
  for (let i = 1; i < names.length; i++) {
    bomb.push(`${names[i]}: &${names[i]} [${Array(10).fill(`*${names[i - 1]}`).join(", ")}]`);
  }
  assert.equal(failure(bomb.join("\n")).code, "parse_failed");
});

Deno.test("parseDaemonConfig() refuses empty required strings", () => {
  for (
    const key of [
      "data_dir",
      "listen_addr",
      "cluster_addr",
      "unix_socket",
      "ipam_pool",
      "log_level",
    ]
  ) {
    assertRefused(`${key}: ""`, key, `${key} is required`);
  }
});

Deno.test("parseDaemonConfig() requires absolute data_dir and unix_socket paths", () => {
  assertRefused('data_dir: "a\\n\\"b"', "data_dir", 'data_dir "a\\n\\"b" must be an absolute path');
  assertRefused(
    "data_dir: var/lib/jaco",
    "data_dir",
    'data_dir "var/lib/jaco" must be an absolute path',
  );
  assertRefused(
    "unix_socket: jaco.sock",
    "unix_socket",
    'unix_socket "jaco.sock" must be an absolute path',
  );
});

Deno.test("parseDaemonConfig() refuses a unix_socket path beyond the 107-byte sun_path limit", () => {
  const fits = "/" + "s".repeat(106);
  assert.equal(parse(`unix_socket: ${fits}`).unixSocket, fits);
  const long = "/" + "s".repeat(107);
  assertRefused(
    `unix_socket: ${long}`,
    "unix_socket",
    `unix_socket "${long}" is longer than 107 bytes`,
  );
});

Deno.test("parseDaemonConfig() checks listen_addr and cluster_addr as host:port", () => {
  const accepted: [string, { host: string; port: number }][] = [
    ["10.0.0.5:7000", { host: "10.0.0.5", port: 7000 }],
    [":7000", { host: "", port: 7000 }],
    ["[::]:7000", { host: "::", port: 7000 }],
    ["[2001:DB8::1]:7000", { host: "2001:db8::1", port: 7000 }],
    ["node-1.lan:7000", { host: "node-1.lan", port: 7000 }],
    ["Node-1:65535", { host: "Node-1", port: 65535 }],
  ];
  for (const [text, expected] of accepted) {
    assert.deepEqual(parse(`listen_addr: "${text}"`).listenAddr, expected, text);
  }
  const refused: [string, string][] = [
    ["10.0.0.5", "must be host:port"],
    ["10.0.0.5:", "must be host:port"],
    ["10.0.0.5:http", "must be host:port"],
    ["10.0.0.5:0", "has port 0 out of range (1-65535)"],
    ["10.0.0.5:65536", "has port 65536 out of range (1-65535)"],
    ["::1:7000", "must be host:port"],
    ["[::1]", "must be host:port"],
    ["[zz::1]:7000", "has an invalid IPv6 address"],
    ["10.0.0.256:7000", 'has an invalid host "10.0.0.256"'],
    ["bad_host:7000", 'has an invalid host "bad_host"'],
    ["-bad:7000", 'has an invalid host "-bad"'],
  ];
  for (const [text, reason] of refused) {
    assertRefused(`listen_addr: "${text}"`, "listen_addr", `listen_addr "${text}" ${reason}`);
    assertRefused(`cluster_addr: "${text}"`, "cluster_addr", `cluster_addr "${text}" ${reason}`);
  }
});

Deno.test("parseDaemonConfig() refuses listen_addr and cluster_addr that would share a socket", () => {
  const message = "cluster_addr and listen_addr must differ";
  const clashes = [
    ["0.0.0.0:7000", "0.0.0.0:7000"],
    ["10.0.0.5:7000", "10.0.0.5:7000"],
    ["node-1:7000", "NODE-1:7000"],
    ["0.0.0.0:7000", "10.0.0.5:7000"],
    ["10.0.0.5:7000", "[::]:7000"],
    [":7000", "10.0.0.5:7000"],
  ];
  for (const [listen, cluster] of clashes) {
    assertRefused(`listen_addr: "${listen}"\ncluster_addr: "${cluster}"`, "cluster_addr", message);
  }
  assertRefused('listen_addr: "0.0.0.0:7001"', "cluster_addr", message);
  const apart = parse('listen_addr: "10.0.0.5:7000"\ncluster_addr: "10.0.0.6:7000"');
  assert.deepEqual(apart.clusterAddr, { host: "10.0.0.6", port: 7000 });
});

Deno.test("parseDaemonConfig() accepts wg_port 1-65535 and names the value otherwise", () => {
  assert.equal(parse("wg_port: 1").wgPort, 1);
  assert.equal(parse("wg_port: 65535").wgPort, 65535);
  for (const value of [0, -1, 65536, 100000]) {
    assertRefused(`wg_port: ${value}`, "wg_port", `wg_port ${value} is out of range`);
  }
});

Deno.test("parseDaemonConfig() reads log_level case-insensitively and refuses unknown levels", () => {
  const levels: [string, string][] = [
    ["debug", "debug"],
    ["INFO", "info"],
    ["Warn", "warn"],
    ["warning", "warn"],
    ["error", "error"],
  ];
  for (const [text, level] of levels) assert.equal(parse(`log_level: ${text}`).logLevel, level);
  for (const text of ["trace", "fatal", "info,raft=debug"]) {
    assertRefused(
      `log_level: "${text}"`,
      "log_level",
      `log_level "${text}" must be one of debug, info, warn, error`,
    );
  }
});

Deno.test("parseDaemonConfig() requires ipam_pool to be an IPv4 /16", () => {
  assert.equal(parse("ipam_pool: 10.50.0.0/16").ipamPool, "10.50.0.0/16");
  assert.equal(parse("ipam_pool: 10.50.3.7/16").ipamPool, "10.50.0.0/16");
  for (const [text, prefix] of [["10.0.0.0/8", 8], ["10.244.0.0/24", 24], ["10.244.0.0/17", 17]]) {
    assertRefused(
      `ipam_pool: ${text}`,
      "ipam_pool",
      `ipam_pool "${text}" must be a /16 (got /${prefix})`,
    );
  }
  for (const text of ["10.244.0.0", "10.244.0.0/33", "fd00::/16", "10.244.0.300/16", "pool"]) {
    assertRefused(`ipam_pool: "${text}"`, "ipam_pool", `ipam_pool "${text}" must be an IPv4 CIDR`);
  }
});

Deno.test("parseDaemonConfig() keeps node_status_interval within [5s, 5m] without clamping", () => {
  const accepted: [string, number][] = [
    ["5s", 5_000],
    ["30s", 30_000],
    ["1m", 60_000],
    ["90s", 90_000],
    ["1m30s", 90_000],
    ["5m", 300_000],
    ["0", 30_000],
    ["0s", 30_000],
  ];
  for (const [text, ms] of accepted) {
    assert.equal(parse(`node_status_interval: "${text}"`).nodeStatusIntervalMs, ms, text);
  }
  assert.equal(parse("node_status_interval: 0").nodeStatusIntervalMs, 30_000);
  const refused: [string, string][] = [
    ["4s", "4s"],
    ["4999ms", "4.999s"],
    ["500ms", "500ms"],
    ["5m1s", "5m1s"],
    ["10m", "10m0s"],
    ["1h", "1h0m0s"],
    ["-30s", "-30s"],
  ];
  for (const [text, shown] of refused) {
    assertRefused(
      `node_status_interval: "${text}"`,
      "node_status_interval",
      `node_status_interval ${shown} must be between 5s and 5m0s`,
    );
  }
});

Deno.test("parseDaemonConfig() takes acme_ca as an https URL and defaults it to Let's Encrypt", () => {
  assert.equal(parse('acme_ca: ""').acmeCa, letsEncryptProduction);
  assert.equal(
    parse("acme_ca: https://ca.internal:14000/dir").acmeCa,
    "https://ca.internal:14000/dir",
  );
  for (
    const text of [
      "http://ca.example/dir",
      "ca.example/dir",
      "https://",
      "ftp://ca.example",
      "https:///dir",
    ]
  ) {
    assertRefused(`acme_ca: "${text}"`, "acme_ca", `acme_ca "${text}" must be an https URL`);
  }
});

Deno.test("parseDaemonConfig() reads acme_email verbatim and the ACME switches as booleans", () => {
  const config = parse(
    "acme_email: admin@example.org\nacme_enabled: false\nacme_skip_staging: true",
  );
  assert.equal(config.acmeEmail, "admin@example.org");
  assert.equal(config.acmeEnabled, false);
  assert.equal(config.acmeSkipStaging, true);
  assert.equal(parse("acme_enabled: true").acmeEnabled, true);
});

Deno.test("parseDaemonConfig() normalises dns.forwarders to host:port", () => {
  const config = parse(`dns:
  forwarders:
    - 1.1.1.1
    - "8.8.8.8:5353"
    - "2001:db8::53"
    - "[2001:db8::54]"
    - "[2001:db8::55]:5300"
    - dns.example.net
    - "resolver.lan:5353"
    - 1.1.1.1:53
`);
  assert.deepEqual(config.dns.forwarders, [
    "1.1.1.1:53",
    "8.8.8.8:5353",
    "[2001:db8::53]:53",
    "[2001:db8::54]:53",
    "[2001:db8::55]:5300",
    "dns.example.net:53",
    "resolver.lan:5353",
  ]);
});

Deno.test("parseDaemonConfig() refuses dns.forwarders that loop or do not parse", () => {
  const docker = "is Docker's embedded DNS (forwarding loop)";
  const bridge = "is a jaco bridge DNS responder (forwarding loop)";
  const refused: [string, string][] = [
    ["127.0.0.11", docker],
    ["127.0.0.11:53", docker],
    ["::ffff:127.0.0.11", docker],
    ["10.244.0.1", bridge],
    ["10.244.255.1:5353", bridge],
    ["10.50.7.1", bridge], // a gateway of the configured pool below
    ["", "must be host[:port]"],
    [":53", "must be host[:port]"],
    ["1.1.1.1:0", "has port 0 out of range (1-65535)"],
    ["1.1.1.1:dns", "must be host[:port]"],
    ["under_score.example", 'has an invalid host "under_score.example"'],
  ];
  for (const [entry, reason] of refused) {
    assertRefused(
      `ipam_pool: 10.50.0.0/16\ndns:\n  forwarders: ["9.9.9.9", "${entry}"]`,
      "dns.forwarders[1]",
      `dns.forwarders[1] "${entry}" ${reason}`,
    );
  }
  // Near misses are ordinary upstreams.
  const near = parse('dns:\n  forwarders: ["127.0.0.1", "10.244.0.2", "10.245.0.1", "127.0.0.53"]');
  assert.deepEqual(near.dns.forwarders, [
    "127.0.0.1:53",
    "10.244.0.2:53",
    "10.245.0.1:53",
    "127.0.0.53:53",
  ]);
});

Deno.test("parseDaemonConfig() takes dns.forwarder_timeout >= 0 with 0 meaning the default", () => {
  assert.equal(parse("dns: {forwarder_timeout: 750ms}").dns.forwarderTimeoutMs, 750);
  assert.equal(parse("dns: {forwarder_timeout: 1.5s}").dns.forwarderTimeoutMs, 1_500);
  assert.equal(parse('dns: {forwarder_timeout: "0"}').dns.forwarderTimeoutMs, 2_000);
  assert.equal(parse("dns: {forwarder_timeout: 0}").dns.forwarderTimeoutMs, 2_000);
  assertRefused(
    "dns: {forwarder_timeout: -2s}",
    "dns.forwarder_timeout",
    "dns.forwarder_timeout -2s must be >= 0",
  );
});

Deno.test("parseDaemonConfig() defaults node_name to the host name's first label, lower-cased", () => {
  assert.equal(parse("", "Web-1.example.com").nodeName, "web-1");
  assert.equal(parse("", "n3").nodeName, "n3");
  assert.equal(parse("node_name: other", "n3").nodeName, "other");
  const error = failure("", "under_score");
  assert.equal(error.code, "validation_failed");
  assert.equal(error.details.field, "node_name");
  assert.equal(
    error.message,
    'node_name defaults to the host name "under_score", which is not a DNS label; set node_name',
  );
  assert.equal(parse("node_name: fine", "under_score").nodeName, "fine");
});

Deno.test("parseDaemonConfig() requires node_name to be a DNS label of at most 63 characters", () => {
  for (const name of ["a", "node-1", "0", "x".repeat(63)]) {
    assert.equal(parse(`node_name: "${name}"`).nodeName, name);
  }
  for (const name of ["Node", "-node", "node-", "no_de", "node.lan", "x".repeat(64), " node"]) {
    assertRefused(
      `node_name: "${name}"`,
      "node_name",
      `node_name "${name}" must be a DNS label (lowercase letters, digits and '-', at most 63 characters)`,
    );
  }
});
