import assert from "node:assert/strict";
import { Command, SubmitResponse } from "../../proto/mod.ts";
import { isJacoError, JacoError } from "../../proto/errors.ts";
import {
  createDispatcher,
  createGrpcServer,
  type HandlerTable,
  standardGates,
} from "../api/mod.ts";
import { mintCa } from "../../tests/_pki.ts";
import { PeerSubmitClient } from "./forward.ts";

const authority = await mintCa("JACO Cluster CA");
const leader = await authority.sign({ commonName: "leader", dnsNames: ["leader"] });
const follower = await authority.sign({ commonName: "follower", dnsNames: ["follower"] });
const stranger = await (await mintCa("Other CA")).sign({ commonName: "follower" });

/** A leader serving only Internal.Submit through the real gates; records caller identities. */
async function withLeader(
  run: (address: string, callers: string[]) => Promise<void>,
): Promise<void> {
  const callers: string[] = [];
  const table: HandlerTable = {
    "/jaco.v1.Internal/Submit": (request, call) => {
      callers.push(call.identity);
      const command = Command.decode(request.commandBytes);
      if (command.identity === "refuse") {
        return Promise.reject(new JacoError("raft_apply_failed", "apply timed out after 5 s"));
      }
      return Promise.resolve(SubmitResponse.fromPartial({ raftIndex: 99 }));
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
    await run(`127.0.0.1:${port}`, callers);
  } finally {
    await server.shutdown();
  }
}

const bytes = (identity: string) =>
  Command.encode(Command.fromPartial({ clusterId: "c1", identity })).finish();

Deno.test({
  name: "PeerSubmitClient.submit() reaches the leader over mutual TLS as node:<hostname>",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withLeader(async (address, callers) => {
      const client = new PeerSubmitClient(() => ({
        caPem: authority.cert,
        certPem: follower.cert,
        keyPem: follower.key,
      }));
      try {
        assert.equal(await client.submit(address, bytes("alice")), 99);
        assert.deepEqual(callers, ["node:follower"]);
        await assert.rejects(
          client.submit(address, bytes("refuse")),
          (error) => isJacoError(error) && error.code === "raft_apply_failed",
        );
      } finally {
        client.close();
      }
    });
  },
});

Deno.test({
  name: "PeerSubmitClient.submit() fails with no_leader when the leader cannot be reached",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = listener.addr as Deno.NetAddr;
    listener.close();
    const client = new PeerSubmitClient(() => ({
      caPem: authority.cert,
      certPem: follower.cert,
      keyPem: follower.key,
    }));
    try {
      await assert.rejects(
        client.submit(`127.0.0.1:${port}`, bytes("alice")),
        (error) =>
          isJacoError(error) && error.code === "no_leader" &&
          error.details.reason === "leader_unreachable",
      );
    } finally {
      client.close();
    }
  },
});

Deno.test({
  name: "PeerSubmitClient.submit() with another CA's certificate is refused by the leader",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withLeader(async (address, callers) => {
      const client = new PeerSubmitClient(() => ({
        caPem: authority.cert,
        certPem: stranger.cert,
        keyPem: stranger.key,
      }));
      try {
        await assert.rejects(client.submit(address, bytes("alice")), (error) => isJacoError(error));
        assert.deepEqual(callers, []);
      } finally {
        client.close();
      }
    });
  },
});
