import assert from "node:assert/strict";
import {
  defaultCaCertPath,
  defaultSocketPath,
  describeTarget,
  DialRuleError,
  insecureWarning,
  parseServerAddress,
  resolveTransport,
  type TransportEnvironment,
  type TransportFlags,
} from "./_transport_flags.ts";
import { mintCa } from "../tests/_pki.ts";
import { UsageError } from "./_usage_error.ts";

const ca = await mintCa("flag ca");
const envCa = await mintCa("env ca");
const defaultCa = await mintCa("default ca");

interface World {
  env?: Record<string, string>;
  files?: Record<string, string>;
  unreadable?: Record<string, string>;
  sockets?: string[];
}

function environment(world: World): TransportEnvironment & { err: string } {
  const fake = {
    err: "",
    env: (name: string) => world.env?.[name],
    readTextFile(path: string) {
      if (world.unreadable?.[path]) throw new Error(world.unreadable[path]);
      return world.files?.[path];
    },
    exists: (path: string) => world.sockets?.includes(path) ?? false,
    stderr(text: string) {
      fake.err += text;
    },
  };
  return fake;
}

function failure(flags: TransportFlags, world: World): string {
  try {
    resolveTransport(flags, environment(world));
  } catch (error) {
    assert.ok(error instanceof DialRuleError || error instanceof UsageError, String(error));
    return error.message;
  }
  assert.fail("expected the dial rule to fail");
}

Deno.test("resolveTransport() picks the socket: --socket > JACO_SOCKET > default", () => {
  const sockets = ["/flag.sock", "/env.sock", defaultSocketPath];
  const env = { JACO_SOCKET: "/env.sock" };
  assert.deepEqual(resolveTransport({ socket: "/flag.sock" }, environment({ env, sockets })), {
    kind: "socket",
    path: "/flag.sock",
  });
  assert.deepEqual(resolveTransport({}, environment({ env, sockets })), {
    kind: "socket",
    path: "/env.sock",
  });
  assert.deepEqual(resolveTransport({ socket: "" }, environment({ sockets })), {
    kind: "socket",
    path: defaultSocketPath,
  });
});

Deno.test("resolveTransport() names a missing socket with the spec's message", () => {
  assert.equal(
    failure({ socket: "/run/x.sock" }, {}),
    "no --server given and local socket /run/x.sock is not available: pass --server " +
      "(host:port) with --token, or run this command on a cluster node with the jaco daemon socket",
  );
  assert.match(failure({}, {}), new RegExp(`local socket ${defaultSocketPath} is not available`));
});

Deno.test("resolveTransport() requires a token with --server, flag before env", () => {
  const files = { [defaultCaCertPath]: ca.cert };
  assert.equal(
    failure({ server: "n1:7000" }, { files }),
    "--token or JACO_TOKEN env is required when --server is set",
  );
  assert.equal(
    failure({ server: "n1:7000", token: "" }, { files, env: { JACO_TOKEN: "" } }),
    "--token or JACO_TOKEN env is required when --server is set",
  );
  const viaEnv = resolveTransport(
    { server: "n1:7000" },
    environment({ files, env: { JACO_TOKEN: "env-token" } }),
  );
  assert.equal(viaEnv.kind === "tcp" && viaEnv.token, "env-token");
  const viaFlag = resolveTransport(
    { server: "n1:7000", token: "flag-token" },
    environment({ files, env: { JACO_TOKEN: "env-token" } }),
  );
  assert.equal(viaFlag.kind === "tcp" && viaFlag.token, "flag-token");
});

Deno.test("resolveTransport() pins the CA: --ca-cert > JACO_CA_CERT > default file", () => {
  const files = {
    "/flag.crt": ca.cert,
    "/env.crt": envCa.cert,
    [defaultCaCertPath]: defaultCa.cert,
  };
  const env = { JACO_CA_CERT: "/env.crt" };
  const pick = (flags: TransportFlags, world: World) => {
    const target = resolveTransport(
      { server: "10.0.0.5", token: "t", ...flags },
      environment(world),
    );
    return target.kind === "tcp" ? target : assert.fail("expected tcp");
  };
  assert.equal(pick({ caCert: "/flag.crt" }, { files, env }).caPem, ca.cert);
  assert.equal(pick({}, { files, env }).caPem, envCa.cert);
  assert.equal(pick({}, { files }).caPem, defaultCa.cert);
  assert.equal(pick({}, { files, env: { JACO_CA_CERT: "" } }).caPem, defaultCa.cert);
  const target = pick({}, { files });
  assert.deepEqual({ ...target, caPem: "…" }, {
    kind: "tcp",
    address: "10.0.0.5:7000",
    host: "10.0.0.5",
    token: "t",
    caPem: "…",
  });
});

Deno.test("resolveTransport() reports a missing, unreadable or non-PEM CA exactly", () => {
  const tcp = { server: "n1:7000", token: "t" };
  assert.equal(
    failure({ ...tcp, caCert: "/nope.crt" }, {}),
    "ca cert not found at /nope.crt — pass --ca-cert or set JACO_CA_CERT",
  );
  assert.equal(
    failure(tcp, { env: { JACO_CA_CERT: "/env.crt" } }),
    "ca cert not found at /env.crt — pass --ca-cert or set JACO_CA_CERT",
  );
  assert.equal(
    failure(tcp, {}),
    `ca cert not found at ${defaultCaCertPath} — pass --ca-cert or set JACO_CA_CERT`,
  );
  assert.equal(
    failure({ ...tcp, caCert: "/locked.crt" }, {
      unreadable: { "/locked.crt": "Permission denied (os error 13)" },
    }),
    "read CA cert /locked.crt: Permission denied (os error 13)",
  );
  for (
    const junk of ["hello", "", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]
  ) {
    assert.equal(
      failure({ ...tcp, caCert: "/junk.crt" }, { files: { "/junk.crt": junk } }),
      "--ca-cert did not parse as PEM",
    );
  }
});

Deno.test('resolveTransport() with --ca-cert "" skips verification and warns once', () => {
  const world = environment({ env: { JACO_CA_CERT: "/env.crt" } });
  const target = resolveTransport({ server: "n1", token: "t", caCert: "" }, world);
  assert.deepEqual(target, {
    kind: "tcp",
    address: "n1:7000",
    host: "n1",
    token: "t",
    caPem: undefined,
  });
  assert.equal(world.err, `${insecureWarning}\n`);
  assert.equal(
    insecureWarning,
    "warning: dialing without --ca-cert; server identity is not verified",
  );
});

Deno.test("resolveTransport() checks the token before the CA file", () => {
  assert.equal(
    failure({ server: "n1:7000", caCert: "/nope.crt" }, {}),
    "--token or JACO_TOKEN env is required when --server is set",
  );
});

Deno.test("parseServerAddress() accepts host, host:port and [v6]:port", () => {
  assert.deepEqual(parseServerAddress("node-a"), { host: "node-a", address: "node-a:7000" });
  assert.deepEqual(parseServerAddress("10.0.0.5:7443"), {
    host: "10.0.0.5",
    address: "10.0.0.5:7443",
  });
  assert.deepEqual(parseServerAddress("[fd00::5]:7000"), {
    host: "fd00::5",
    address: "[fd00::5]:7000",
  });
  for (const bad of [":7000", "n1:", "n1:0", "n1:70000", "fd00::5", "n1:x"]) {
    assert.throws(() => parseServerAddress(bad), UsageError, bad);
  }
});

Deno.test("describeTarget() names the transport and never the token", () => {
  const text = describeTarget({
    kind: "tcp",
    address: "n1:7000",
    host: "n1",
    token: "s3cret",
    caPem: undefined,
  });
  assert.equal(text, "tcp n1:7000 (unverified TLS)");
  assert.equal(describeTarget({ kind: "socket", path: "/s.sock" }), "socket /s.sock");
});
