/**
 * End to end: a real `jacod` and the real `jaco` CLI through the operator write path. Init,
 * `token issue` over the socket, the new token used over `--server` (TLS, CA pinned), `token
 * revoke` taking effect on the next call, the audit log naming the socket caller `local`, and
 * `node list`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { daemonSetup, jaco, startDaemon, stopDaemon, waitForSocket } from "./_daemon.ts";

const nodeName = "node-tokens";

Deno.test({
  name: "jacod tokens: issue over the socket, use over TLS, revoke, audit and node list",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { dir, socket, grpcPort, configPath, dataDir } = await daemonSetup(
      nodeName,
      "jaco-daemon-tokens-",
    );
    const daemon = startDaemon(configPath);
    try {
      await waitForSocket(socket);
      const init = await jaco(["cluster", "init", "--socket", socket, "--no-systemd-enable"]);
      assert.equal(init.code, 0, init.stderr);
      const local = ["--socket", socket];
      const tcp = [
        "--server",
        `127.0.0.1:${grpcPort}`,
        "--ca-cert",
        `${dataDir}/node/ca.crt`,
      ];

      const issued = await jaco(["token", "issue", "alice", ...local]);
      assert.equal(issued.code, 0, issued.stderr);
      const token = /^Token for alice \(save this; not recoverable\): ([0-9a-f]{64})\n$/.exec(
        issued.stdout,
      )?.[1];
      assert.ok(token, issued.stdout);
      const twice = await jaco(["token", "issue", "--name", "alice", ...local]);
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /^Error: validation_failed: identity "alice" already has an/);

      const listed = await jaco(["token", "list", ...local]);
      assert.equal(listed.code, 0, listed.stderr);
      const lines = listed.stdout.split("\n");
      assert.equal(
        lines[0],
        `${"IDENTITY".padEnd(30)} ${"ISSUED".padEnd(20)} REVOKED              PRIVILEGED`,
      );
      assert.match(lines[1], /^alice {26}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {1}- {20}no$/);
      assert.match(lines[2], /^bootstrap {22}\S+ +- +no$/);

      const withAlice = await jaco(["token", "list", ...tcp, "--token", token]);
      assert.equal(withAlice.code, 0, withAlice.stderr);
      assert.match(withAlice.stdout, /\nalice /);

      const revoked = await jaco(["token", "revoke", "alice", ...local]);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(revoked.stdout, "Revoked token for alice\n");
      const afterRevoke = await jaco(["token", "list", ...tcp, "--token", token]);
      assert.equal(afterRevoke.code, 1);
      assert.equal(afterRevoke.stdout, "");
      assert.match(afterRevoke.stderr, /^Error: token_revoked: [^\n]+\n$/);
      const unknown = await jaco(["token", "revoke", "mallory", ...local]);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /^Error: validation_failed: no token for identity "mallory"/);

      const noToken = await jaco(["token", "list", ...tcp]);
      assert.equal(noToken.code, 1);
      assert.equal(noToken.stderr, "--token or JACO_TOKEN env is required when --server is set\n");

      const audit = await jaco([
        "audit",
        "--type",
        "token_issue,token_revoke",
        "-o",
        "json",
        ...local,
      ]);
      assert.equal(audit.code, 0, audit.stderr);
      const events = JSON.parse(audit.stdout) as {
        type: string;
        identity: string;
        payload: Record<string, string>;
      }[];
      assert.deepEqual(
        events.map((event) => [event.type, event.identity, event.payload.identity]),
        [["token_issue", "local", "alice"], ["token_revoke", "local", "alice"]],
      );

      const nodes = await jaco(["node", "list", ...local]);
      assert.equal(nodes.code, 0, nodes.stderr);
      assert.match(
        nodes.stdout,
        new RegExp(`^${nodeName}\\t127\\.0\\.0\\.1:\\d+\\tNODE_STATUS_READY\\n$`),
      );
      const nodesJson = await jaco(["-o", "json", "node", "list", ...local]);
      assert.equal(JSON.parse(nodesJson.stdout).nodes[0].status, "ready");
    } finally {
      await stopDaemon(daemon, "SIGTERM");
      await Deno.remove(dir, { recursive: true });
    }
  },
});
