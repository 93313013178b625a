import assert from "node:assert/strict";
import { NodeJoinRequest, NodeJoinResponse } from "../../proto/mod.ts";
import { isJacoError, JacoError } from "../../proto/errors.ts";
import {
  createDispatcher,
  createGrpcServer,
  type HandlerTable,
  standardGates,
} from "../api/mod.ts";
import { mintCa } from "../../tests/_pki.ts";
import { LeaderRpcClient } from "./forward.ts";

const authority = await mintCa("JACO Cluster CA");
const leader = await authority.sign({ commonName: "leader", dnsNames: ["leader"] });
const follower = await authority.sign({ commonName: "follower", dnsNames: ["follower"] });
const followerTls = { caPem: authority.cert, certPem: follower.cert, keyPem: follower.key };

interface Seen {
  identity: string;
  member?: string;
  name: string;
}

/** A leader serving `Cluster.NodeJoin` through the real gates; records who called. */
async function withLeader(run: (address: string, seen: Seen[]) => Promise<void>): Promise<void> {
  const seen: Seen[] = [];
  const table: HandlerTable = {
    "/jaco.v1.Cluster/NodeJoin": (request, call) => {
      seen.push({
        identity: call.identity,
        member: call.peerCertificate?.commonName,
        name: request.name,
      });
      if (request.joinToken === "bad") {
        return Promise.reject(new JacoError("join_token_invalid", "join token is not known"));
      }
      return Promise.resolve(NodeJoinResponse.fromPartial({ clusterId: `c-${request.name}` }));
    },
  };
  const server = createGrpcServer(
    createDispatcher(
      table,
      standardGates({
        isInitialized: () => true,
        authenticate: () => Promise.reject(new JacoError("token_invalid", "unknown token")),
      }),
    ),
    {
      tls: {
        caPem: authority.cert,
        certPem: leader.cert,
        keyPem: leader.key,
        requireClientCert: "optional",
      },
    },
  );
  const port = await server.listen("127.0.0.1:0");
  try {
    await run(`127.0.0.1:${port}`, seen);
  } finally {
    await server.shutdown();
  }
}

const join = (name: string, joinToken: string) =>
  NodeJoinRequest.fromPartial({ name, joinToken, advertiseAddr: "127.0.0.1:7100" });

Deno.test({
  name:
    "LeaderRpcClient.call() re-invokes NodeJoin on the leader, which sees the member certificate",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withLeader(async (address, seen) => {
      const client = new LeaderRpcClient(() => followerTls);
      try {
        const response = await client.call<NodeJoinResponse>(
          address,
          "/jaco.v1.Cluster/NodeJoin",
          join("node-4", "good"),
        );
        assert.equal(response.clusterId, "c-node-4");
        assert.deepEqual(seen, [{ identity: "anonymous", member: "follower", name: "node-4" }]);
        await assert.rejects(
          client.call(address, "/jaco.v1.Cluster/NodeJoin", join("node-5", "bad")),
          (error) => isJacoError(error) && error.code === "join_token_invalid",
        );
      } finally {
        client.close();
      }
    });
  },
});

Deno.test({
  name: "LeaderRpcClient.call() fails with no_leader when the leader cannot be reached",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = listener.addr as Deno.NetAddr;
    listener.close();
    const client = new LeaderRpcClient(() => followerTls);
    try {
      await assert.rejects(
        client.call(`127.0.0.1:${port}`, "/jaco.v1.Cluster/NodeJoin", join("node-4", "good")),
        (error) =>
          isJacoError(error) && error.code === "no_leader" &&
          error.details.reason === "leader_unreachable",
      );
    } finally {
      client.close();
    }
  },
});

Deno.test("LeaderRpcClient.call() before the node has a certificate is cluster_uninitialized", async () => {
  const client = new LeaderRpcClient(() => undefined);
  await assert.rejects(
    client.call("127.0.0.1:1", "/jaco.v1.Cluster/NodeJoin", join("node-4", "good")),
    (error) => isJacoError(error) && error.code === "cluster_uninitialized",
  );
  client.close();
});
