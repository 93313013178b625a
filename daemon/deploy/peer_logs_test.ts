import assert from "node:assert/strict";
import { isJacoError, JacoError } from "../../proto/errors.ts";
import type { LogLine, LogsRequest } from "../../proto/mod.ts";
import {
  createDispatcher,
  createGrpcServer,
  type HandlerTable,
  standardGates,
} from "../api/mod.ts";
import { freePort } from "../../tests/_daemon.ts";
import { mintCa } from "../../tests/_pki.ts";
import { PeerLogsClient } from "./peer_logs.ts";

const authority = await mintCa("JACO Cluster CA");
const peer = await authority.sign({ commonName: "node-2", dnsNames: ["node-2"] });
const self = await authority.sign({ commonName: "node-1", dnsNames: ["node-1"] });
const material = { caPem: authority.cert, certPem: self.cert, keyPem: self.key };

function request(deployment: string, follow = false): LogsRequest {
  return { deployment, service: "", follow, sinceSeconds: 0, replicaId: "", tail: 0 };
}

/** A peer serving Internal.Logs through the real gates (peer certificates only). */
async function withPeer(run: (address: string, callers: string[]) => Promise<void>) {
  const callers: string[] = [];
  const table: HandlerTable = {
    "/jaco.v1.Internal/Logs": async function* (logsRequest, call) {
      callers.push(call.identity);
      if (logsRequest.deployment === "nope") {
        throw new JacoError("deployment_not_found", 'deployment "nope" not found');
      }
      yield { replicaId: "d-web-1", host: "node-2", stream: "stdout", ts: undefined, line: "a" };
      yield { replicaId: "d-web-1", host: "node-2", stream: "stderr", ts: undefined, line: "b" };
      if (!logsRequest.follow) return;
      await new Promise<void>((resolve) => call.signal.addEventListener("abort", () => resolve()));
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
        certPem: peer.cert,
        keyPem: peer.key,
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

async function lines(stream: AsyncIterable<LogLine>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of stream) out.push(`${line.replicaId} ${line.stream} ${line.line}`);
  return out;
}

Deno.test({
  name: "PeerLogsClient.logs() streams Internal.Logs over mutual TLS as node:<hostname>",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withPeer(async (address, callers) => {
      const client = new PeerLogsClient(() => material);
      try {
        const signal = new AbortController().signal;
        assert.deepEqual(await lines(client.logs(address, request("d"), signal)), [
          "d-web-1 stdout a",
          "d-web-1 stderr b",
        ]);
        assert.deepEqual(callers, ["node:node-1"]);
        await assert.rejects(
          lines(client.logs(address, request("nope"), signal)),
          (error) => isJacoError(error) && error.code === "deployment_not_found",
        );
        const stop = new AbortController();
        const seen: string[] = [];
        for await (const line of client.logs(address, request("d", true), stop.signal)) {
          seen.push(line.line);
          if (seen.length === 2) stop.abort();
        }
        assert.deepEqual(seen, ["a", "b"]);
      } finally {
        client.close();
      }
    });
  },
});

Deno.test({
  name: "PeerLogsClient.logs() to an unreachable peer is logs_stream naming the address",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const client = new PeerLogsClient(() => material);
    const address = `127.0.0.1:${freePort()}`;
    try {
      await assert.rejects(
        lines(client.logs(address, request("d"), new AbortController().signal)),
        (error) =>
          isJacoError(error) && error.code === "logs_stream" && error.message.includes(address),
      );
    } finally {
      client.close();
    }
  },
});
