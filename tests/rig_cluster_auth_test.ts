/**
 * Control-plane trust on the multi-host rig: three real jacods (hosts A, B, C) plus a fourth
 * host D that joins later. Every network probe runs inside a rig host (`tests/_rig_probe.ts`),
 * so traffic stays on the rig segment.
 *
 * - Revocation: a token issued on A works with `--server` against B and C; after `token revoke`
 *   on A each node refuses it (`token_revoked`) within 5 s of the revoke returning (polled;
 *   prints `rig_revoke_refused_ms_<node>`).
 * - A TCP call without a token is refused with the typed `token_invalid` (gRPC Unauthenticated,
 *   errors.md §2; the issue's "unauthenticated"), as is an unknown token and a call that only
 *   presents a foreign CA's client certificate.
 * - `Internal.Submit` carrying a TokenIssue command is refused without a node certificate and
 *   with a certificate of a foreign CA (`token_invalid`, reason `peer_certificate_required`), and
 *   the token never appears.
 * - The raft port refuses plaintext, a TLS client without a certificate and one with a foreign
 *   CA's certificate (closed during/after the handshake, no byte of application data); a member's
 *   real certificate is accepted (control). The gRPC port refuses plaintext. Cluster state is
 *   unchanged by all of it and a write still commits afterwards.
 * - Join tokens are single use: D joins with a token; D wiped and started fresh cannot join
 *   again with the same token (`join_token_consumed`), nor with a token issued with
 *   `--ttl 1s` once that second has passed (`join_token_expired`).
 *
 * Decision: the gRPC port requests but does not require client certificates (operators have
 * none, auth-and-config.md §6), so a foreign-CA certificate is not refused at the handshake
 * there; it is refused where it would matter, on `Internal.*`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Rig, rigSupport } from "./rig/mod.ts";
import { mintCa } from "./_pki.ts";
import { formRigCluster, leaderOf, RigJacod } from "./_rig_jacod.ts";
import { type GrpcProbeResult, runProbe, type StreamProbeResult } from "./_rig_probe.ts";

const support = rigSupport();
if (!support.ok) console.log(`rig cluster auth tests skipped: ${support.reason}`);

/** Runs `fn`; on failure prints the tail of every daemon's log before rethrowing. */
async function withLogs(nodes: RigJacod[], fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    for (const node of nodes) {
      console.error(`--- ${node.name}\n${(await node.log()).slice(-3_000)}`);
    }
    throw error;
  }
}

/** The token secret printed by `jaco token issue`. */
function secretOf(stdout: string): string {
  const secret = /: ([0-9a-f]{64})\n$/.exec(stdout)?.[1];
  assert.ok(secret, `no token in ${JSON.stringify(stdout)}`);
  return secret;
}

/** Token identities and node names as every node sees them (the state probes must not change). */
async function visibleState(nodes: RigJacod[]): Promise<string[]> {
  return await Promise.all(nodes.map(async (node) => {
    const tokens = (await node.tokenIdentities()).sort().join(",");
    const members = (await node.status()).nodes.map((n) => n.hostname).sort().join(",");
    return `${node.name}: tokens=${tokens} nodes=${members}`;
  }));
}

/** A raw TLS/TCP probe was refused: closed or failed, and no application data came back. */
function assertRefused(result: StreamProbeResult, what: string): void {
  assert.ok(
    result.closed || result.error !== undefined,
    `${what}: still open ${JSON.stringify(result)}`,
  );
  assert.ok(
    result.bytes === 0 || result.firstByte === 0x15,
    `${what}: only a TLS alert may come back, got ${JSON.stringify(result)}`,
  );
}

Deno.test({
  name:
    "rig cluster auth: revocation reaches every node within 5 s, token-less TCP and cert-less Internal.Submit are refused, raft/gRPC ports refuse plaintext and foreign certificates, join tokens are single use",
  ignore: !support.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using rig = await Rig.create({ hosts: 4, name: "cpauth" });
    const nodes: RigJacod[] = [];
    await withLogs(nodes, async () => {
      nodes.push(...await formRigCluster(rig, 3));
      const [a, b, c] = nodes;
      const leader = await leaderOf(nodes);

      // Revocation: issued on A, used against B and C over TCP from A's host, revoked on A.
      const alice = secretOf((await a.jaco(["token", "issue", "alice"], { check: true })).stdout);
      for (const target of nodes) {
        await rig.waitFor(
          async () =>
            (await a.jaco(["token", "list", "--server", target.grpcAddr, "--token", alice]))
              .code === 0,
          { what: `alice accepted by ${target.name}`, timeoutMs: 10_000 },
        );
      }
      await a.jaco(["token", "revoke", "alice"], { check: true });
      const revokedAt = performance.now();
      const delays = await Promise.all(nodes.map(async (target) => {
        const stderr = await rig.waitFor(async () => {
          const used = await a.jaco([
            "token",
            "list",
            "--server",
            target.grpcAddr,
            "--token",
            alice,
          ]);
          return used.code === 0 ? undefined : used.stderr;
        }, { what: `alice refused by ${target.name}`, timeoutMs: 10_000, intervalMs: 50 });
        const delay = Math.round(performance.now() - revokedAt);
        assert.match(stderr, /^Error: token_revoked: token has been revoked\n$/, target.name);
        console.log(`rig_revoke_refused_ms_${target.name}=${delay}`);
        return delay;
      }));
      assert.ok(Math.max(...delays) < 5_000, `revocation took ${delays.join(", ")} ms`);

      // Foreign CA: a certificate that claims to be B, valid for B's address.
      const foreign = await mintCa("not the jaco cluster ca");
      const impostor = await foreign.sign({
        commonName: b.name,
        dnsNames: [b.name],
        ips: [b.host.address],
      });
      const foreignCert = `${b.host.dir}/foreign.crt`;
      const foreignKey = `${b.host.dir}/foreign.key`;
      await Deno.writeTextFile(foreignCert, impostor.cert);
      await Deno.writeTextFile(foreignKey, impostor.key);

      // Token-less, unknown-token and foreign-certificate-only TCP calls; a valid token as the
      // control that shows the probe can succeed.
      const operator = secretOf(
        (await a.jaco(["token", "issue", "operator"], { check: true })).stdout,
      );
      const list = { kind: "grpc", address: a.grpcAddr, caPath: b.caCertPath } as const;
      const [noToken, unknown, certOnly, valid] = await Promise.all([
        runProbe<GrpcProbeResult>(b.host, { ...list, method: "/jaco.v1.Tokens/List" }),
        runProbe<GrpcProbeResult>(b.host, {
          ...list,
          method: "/jaco.v1.Tokens/List",
          token: "0".repeat(64),
        }),
        runProbe<GrpcProbeResult>(b.host, {
          ...list,
          method: "/jaco.v1.Tokens/List",
          certPath: foreignCert,
          keyPath: foreignKey,
        }),
        runProbe<GrpcProbeResult>(b.host, {
          ...list,
          method: "/jaco.v1.Tokens/List",
          token: operator,
        }),
      ]);
      assert.deepEqual(valid, { ok: true });
      for (const refused of [noToken, unknown, certOnly]) {
        assert.equal(refused.grpcCode, 16, JSON.stringify(refused)); // UNAUTHENTICATED
        assert.equal(refused.errorCode, "token_invalid");
        assert.equal(refused.status, "token_invalid");
      }

      const before = await visibleState(nodes);
      const joinRecord = JSON.parse(await Deno.readTextFile(`${b.dataDir}/node/join.json`));
      const submit = {
        kind: "grpc",
        address: leader.grpcAddr,
        caPath: b.caCertPath,
        method: "/jaco.v1.Internal/Submit",
        token: operator,
        submitTokenIssue: { clusterId: joinRecord.cluster_id as string, identity: "mallory" },
      } as const;
      const submits = await Promise.all([
        runProbe<GrpcProbeResult>(b.host, submit),
        runProbe<GrpcProbeResult>(b.host, {
          ...submit,
          certPath: foreignCert,
          keyPath: foreignKey,
        }),
      ]);
      for (const refused of submits) {
        assert.equal(refused.grpcCode, 16, JSON.stringify(refused));
        assert.equal(refused.errorCode, "token_invalid");
        assert.equal(refused.reason, "peer_certificate_required");
      }

      // Raft and gRPC ports: plaintext, no certificate, foreign certificate; B's real node
      // certificate is the control that shows the probe can see an accepted connection.
      const raft = { host: a.host.address, port: 7001, waitMs: 3_000 };
      const [raftPlain, grpcPlain, raftNoCert, raftForeign, raftMember] = await Promise.all([
        runProbe<StreamProbeResult>(b.host, { kind: "plain", ...raft }),
        runProbe<StreamProbeResult>(b.host, { kind: "plain", ...raft, port: 7000 }),
        runProbe<StreamProbeResult>(b.host, { kind: "tls", ...raft, caPath: b.caCertPath }),
        runProbe<StreamProbeResult>(b.host, {
          kind: "tls",
          ...raft,
          caPath: b.caCertPath,
          certPath: foreignCert,
          keyPath: foreignKey,
        }),
        runProbe<StreamProbeResult>(b.host, {
          kind: "tls",
          ...raft,
          caPath: b.caCertPath,
          certPath: `${b.dataDir}/node/${b.name}.crt`,
          keyPath: `${b.dataDir}/node/${b.name}.key`,
          write: false,
          waitMs: 1_500,
        }),
      ]);
      for (
        const [what, result] of Object.entries({ raftPlain, grpcPlain, raftNoCert, raftForeign })
      ) {
        console.log(`probe ${what}: ${JSON.stringify(result)}`);
      }
      assertRefused(raftPlain, "raft port, plaintext");
      assertRefused(grpcPlain, "gRPC port, plaintext");
      assertRefused(raftNoCert, "raft port, TLS without a client certificate");
      assertRefused(raftForeign, "raft port, TLS with a foreign-CA certificate");
      assert.equal(raftMember.connected, true, `member cert: ${JSON.stringify(raftMember)}`);
      assert.equal(raftMember.closed, false, `member cert: ${JSON.stringify(raftMember)}`);

      assert.deepEqual(await visibleState(nodes), before, "no state changed");
      await c.jaco(["token", "issue", "after-probes"], { check: true });

      // Join tokens are single use: D joins, then D wiped and fresh cannot reuse the token.
      const d = await RigJacod.create(rig.hosts[3]);
      nodes.push(d);
      await d.start();
      const { token, fingerprint } = await a.issueJoinToken();
      const join = [
        "node",
        "join",
        `--peer=${a.grpcAddr}`,
        `--token=${token}`,
        `--ca-fingerprint=${fingerprint}`,
        "--no-systemd-enable",
      ];
      await d.jaco(join, { check: true });
      const four = await rig.waitFor(async () => {
        const status = await (await leaderOf(nodes.slice(0, 3))).status();
        return status.nodes.some((n) => n.hostname === d.name && n.status === "ready")
          ? status
          : undefined;
      }, { what: `${d.name} ready`, timeoutMs: 20_000 });
      assert.equal(four.nodes.length, 4);
      await d.kill("SIGKILL");
      await Deno.remove(d.dataDir, { recursive: true });
      await d.start();
      const reused = await d.jaco(join);
      assert.equal(reused.code, 1, reused.stdout);
      assert.match(reused.stderr, /^Error: join_token_consumed: /);
      assert.equal((await d.status()).initialized, false, "the refused node stays uninitialized");

      // An expired join token is refused: issued with a 1 s lifetime, used after it ran out.
      const short = await a.jaco(["node", "issue-join-token", "--ttl", "1s"], { check: true });
      assert.match(short.stdout, /expires in 1s/);
      const expiring = /--token=([0-9a-f]{64})/.exec(short.stdout)![1];
      const issuedAt = Date.now();
      await rig.waitFor(() => Date.now() - issuedAt > 1_500, {
        what: "the 1 s join token to expire",
        timeoutMs: 5_000,
        intervalMs: 100,
      });
      const late = await d.jaco([
        "node",
        "join",
        `--peer=${a.grpcAddr}`,
        `--token=${expiring}`,
        `--ca-fingerprint=${fingerprint}`,
        "--no-systemd-enable",
      ]);
      assert.equal(late.code, 1, late.stdout);
      assert.match(late.stderr, /^Error: join_token_expired: /);
      assert.equal((await d.status()).initialized, false, "the refused node stays uninitialized");
    });
    for (const node of nodes) await node.stop();
  },
});
