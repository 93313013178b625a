import assert from "node:assert/strict";
import { IssueJoinTokenResponse } from "../proto/mod.ts";
import { memoryIo } from "./_io.ts";
import { runCli } from "./_run.ts";
import { formatJoinToken, peerPlaceholder } from "./node_issue_join_token.ts";
import { formatJoined, makeNodeJoinCommand } from "./node_join.ts";
import { parse as parseYaml } from "yaml";

const token = "ab".repeat(32);

Deno.test("formatJoinToken() prints the exact join line, the expiry note and the CA on request", () => {
  const response = IssueJoinTokenResponse.fromPartial({
    token,
    caCert: new TextEncoder().encode("-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n"),
  });
  const plain = "Join token issued. On the joining node, run:\n\n" +
    `  sudo jaco node join --peer=<this-node-host:port> --token=${token} --ca-fingerprint=ff\n\n` +
    "Token expires in 24h (single-use).\n";
  assert.equal(
    formatJoinToken(response, { peer: peerPlaceholder, showCa: false, caFingerprint: "ff" }),
    plain,
  );
  assert.equal(
    formatJoinToken(response, { peer: peerPlaceholder, showCa: true, caFingerprint: "ff" }),
    plain + "\nCluster CA (write to a file on the joining node):\n" +
      "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n",
  );
  assert.match(
    formatJoinToken(response, { peer: "10.0.0.5:7000", showCa: false, caFingerprint: "ff" }),
    /--peer=10\.0\.0\.5:7000 --token=/,
  );
});

function commands() {
  const command = makeNodeJoinCommand(() => Promise.resolve({ code: 0, output: "" }));
  return [{ path: ["node", "join"], summary: "", load: () => Promise.resolve(command) }];
}

Deno.test("node join requires --peer and a token from --token or JACO_JOIN_TOKEN", async () => {
  const io = memoryIo();
  assert.equal(await runCli({ argv: ["node", "join"], io, commands: commands(), version: "v" }), 1);
  assert.match(io.err, /--peer is required/);
  const noToken = memoryIo();
  assert.equal(
    await runCli({
      argv: ["node", "join", "--peer", "a:1"],
      io: noToken,
      commands: commands(),
      version: "v",
    }),
    1,
  );
  assert.match(noToken.err, /--token or JACO_JOIN_TOKEN env is required/);
});

Deno.test("node join sends Cluster.Join on the socket with the env token and prints Joined cluster.", async () => {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/jaco.sock`;
  const seen: { path: string; body: unknown }[] = [];
  const server = Deno.serve({ path: socket, onListen: () => {} }, async (request) => {
    seen.push({ path: new URL(request.url).pathname, body: await request.json() });
    return Response.json({});
  });
  try {
    const io = memoryIo({}, { JACO_JOIN_TOKEN: token });
    const code = await runCli({
      argv: ["node", "join", "--peer=10.0.0.5:7000", `--socket=${socket}`],
      io,
      commands: commands(),
      version: "v",
    });
    assert.equal(code, 0, io.err);
    assert.deepEqual(seen, [{
      path: "/jaco.v1.Cluster/Join",
      body: { peerAddr: "10.0.0.5:7000", joinToken: token },
    }]);
    assert.match(io.out, /^Joined cluster\.\nEnabled jaco\.service/);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("node join -o json|yaml prints {joined, peer}", async () => {
  assert.equal(await formatJoined("10.0.0.1:7000", "table"), "Joined cluster.\n");
  const expected = { joined: true, peer: "10.0.0.1:7000" };
  assert.deepEqual(JSON.parse(await formatJoined("10.0.0.1:7000", "json")), expected);
  assert.deepEqual(parseYaml(await formatJoined("10.0.0.1:7000", "yaml")), expected);
});
