import assert from "node:assert/strict";
import { ClusterStatusResponse, type NodeJoinRequest, NodeJoinResponse } from "../../proto/mod.ts";
import { isJacoError, JacoError } from "../../proto/errors.ts";
import { createClusterCa, signNodeCsr } from "../pki.ts";
import { joinCluster, type JoinPeer } from "./join.ts";

const now = new Date("2026-06-01T12:00:00Z");

/** A peer that signs the CSR with `signer` and lists `members` in its status. */
function fakePeer(
  signer: { certPem: string; keyPem: string },
  returnedCa: string,
  calls: string[],
): JoinPeer {
  return {
    leafPem: undefined,
    close: () => calls.push("close"),
    async unary<Response>(path: string, request: unknown): Promise<Response> {
      calls.push(path);
      if (path === "/jaco.v1.Cluster/NodeJoin") {
        const join = request as NodeJoinRequest;
        if (join.joinToken !== "good") throw new JacoError("join_token_invalid", "unknown token");
        const certPem = await signNodeCsr({
          caCertPem: signer.certPem,
          caKeyPem: signer.keyPem,
          csrPem: new TextDecoder().decode(join.csrPem),
          now,
          expectedHostname: join.name,
        });
        return NodeJoinResponse.fromPartial({
          clusterId: "c-1",
          signedCert: new TextEncoder().encode(certPem),
          caCert: new TextEncoder().encode(returnedCa),
          peerAddrs: ["10.0.0.1:7001"],
        }) as Response;
      }
      return ClusterStatusResponse.fromPartial({
        nodes: [
          { hostname: "node-1", address: "10.0.0.1:7001" },
          { hostname: "node-2", address: "10.0.0.2:7001" },
        ],
      }) as Response;
    },
  };
}

const inputs = {
  peerAddr: "10.0.0.1:7000",
  hostname: "node-2",
  ips: ["10.0.0.2"],
  raftAddress: "10.0.0.2:7001",
  grpcAddress: "10.0.0.2:7000",
};

Deno.test("joinCluster() returns the signed material and every other member's raft address", async () => {
  const ca = await createClusterCa({ now });
  const calls: string[] = [];
  const result = await joinCluster({
    ...inputs,
    joinToken: "good",
    dial: () => fakePeer(ca, ca.certPem, calls),
  });
  assert.equal(result.clusterId, "c-1");
  assert.equal(result.tls.caPem, ca.certPem);
  assert.match(result.tls.keyPem, /PRIVATE KEY/);
  assert.deepEqual(result.peers, { "node-1": "10.0.0.1:7001" });
  assert.deepEqual(calls, ["/jaco.v1.Cluster/NodeJoin", "/jaco.v1.Cluster/Status", "close"]);
});

Deno.test("joinCluster() refuses a certificate not issued by the CA the peer returned", async () => {
  const ca = await createClusterCa({ now });
  const other = await createClusterCa({ now });
  const calls: string[] = [];
  await assert.rejects(
    joinCluster({ ...inputs, joinToken: "good", dial: () => fakePeer(ca, other.certPem, calls) }),
    (error) => isJacoError(error) && error.code === "csr_invalid",
  );
  assert.equal(calls.at(-1), "close");
});

Deno.test("joinCluster() passes the peer's refusal through and requires peer and token", async () => {
  const ca = await createClusterCa({ now });
  await assert.rejects(
    joinCluster({ ...inputs, joinToken: "bad", dial: () => fakePeer(ca, ca.certPem, []) }),
    (error) => isJacoError(error) && error.code === "join_token_invalid",
  );
  await assert.rejects(
    joinCluster({ ...inputs, peerAddr: " ", joinToken: "good" }),
    (error) => isJacoError(error) && error.code === "validation_failed",
  );
});

Deno.test("joinCluster() dials with the normalized CA pin and refuses a malformed one before dialing", async () => {
  const ca = await createClusterCa({ now });
  const pins: (string | undefined)[] = [];
  await joinCluster({
    ...inputs,
    joinToken: "good",
    caFingerprint: "AB:".repeat(31) + "AB",
    dial: (_address, pin) => {
      pins.push(pin);
      return fakePeer(ca, ca.certPem, []);
    },
  });
  assert.deepEqual(pins, ["ab".repeat(32)]);
  await assert.rejects(
    joinCluster({
      ...inputs,
      joinToken: "good",
      caFingerprint: "nope",
      dial: () => {
        throw new Error("must not dial");
      },
    }),
    { code: "validation_failed", details: { field: "ca_fingerprint", value: "nope" } },
  );
});
