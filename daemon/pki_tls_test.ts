/**
 * Real mutual-TLS handshakes on 127.0.0.1 with material from pki.ts, through
 * every TLS stack the daemon uses under Deno (rustls underneath): node:tls,
 * Deno.listenTls/connectTls, and grpc-js.
 */
import assert from "node:assert/strict";
import tls from "node:tls";
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { type CertAndKey, createClusterCa, createNodeKeyAndCsr, signNodeCsr } from "./pki.ts";

const NOW = new Date();

async function nodeCert(ca: CertAndKey, hostname: string): Promise<CertAndKey> {
  const { keyPem, csrPem } = await createNodeKeyAndCsr({ hostname, ips: ["127.0.0.1"] });
  const certPem = await signNodeCsr({
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    csrPem,
    now: NOW,
  });
  return { certPem, keyPem };
}

const ca = await createClusterCa({ now: NOW });
const otherCa = await createClusterCa({ now: NOW }); // same CN, different key: an impostor
const server = await nodeCert(ca, "node-a");
const client = await nodeCert(ca, "node-b");
const foreign = await nodeCert(otherCa, "node-b");

interface TlsOutcome {
  /** What the client read from the server ("" when refused). */
  received: string;
  /** CN of the client cert as the server saw it, when the server accepted the connection. */
  serverSawClient?: string;
  clientError?: string;
}

/** One node:tls exchange: the server requires a client cert from `ca` and answers "hello". */
function nodeTlsExchange(
  options: { serverCa: string; serverPair: CertAndKey; clientCa: string; clientPair: CertAndKey },
): Promise<TlsOutcome> {
  return new Promise((resolve) => {
    const outcome: TlsOutcome = { received: "" };
    const tlsServer = tls.createServer({
      cert: options.serverPair.certPem,
      key: options.serverPair.keyPem,
      ca: options.serverCa,
      requestCert: true,
      rejectUnauthorized: true,
    }, (socket) => {
      if (socket.authorized) {
        outcome.serverSawClient = String(socket.getPeerCertificate().subject?.CN);
      }
      socket.end("hello");
    });
    // Refused handshakes surface on the server as tlsClientError; the client side reports them.
    tlsServer.on("tlsClientError", () => {});
    tlsServer.listen(0, "127.0.0.1", () => {
      const { port } = tlsServer.address() as { port: number };
      const socket = tls.connect({
        host: "127.0.0.1",
        port,
        ca: options.clientCa,
        cert: options.clientPair.certPem,
        key: options.clientPair.keyPem,
      });
      const finish = () => {
        clearTimeout(timer);
        socket.destroy();
        tlsServer.close(() => resolve(outcome));
      };
      const timer = setTimeout(finish, 5_000);
      socket.on("data", (chunk) => outcome.received += String(chunk));
      socket.on("error", (error) => outcome.clientError = error.message);
      socket.on("close", finish);
    });
  });
}

Deno.test("node certs complete a mutual-TLS handshake through node:tls, both sides verified", async () => {
  const outcome = await nodeTlsExchange({
    serverCa: ca.certPem,
    serverPair: server,
    clientCa: ca.certPem,
    clientPair: client,
  });
  assert.equal(outcome.clientError, undefined);
  assert.equal(outcome.received, "hello");
  assert.equal(outcome.serverSawClient, "node-b");
});

Deno.test("node:tls server refuses a client cert issued by another CA", async () => {
  const outcome = await nodeTlsExchange({
    serverCa: ca.certPem,
    serverPair: server,
    clientCa: ca.certPem,
    clientPair: foreign,
  });
  assert.equal(outcome.received, "");
  assert.equal(outcome.serverSawClient, undefined);
});

Deno.test("node:tls client refuses a server cert issued by another CA", async () => {
  const outcome = await nodeTlsExchange({
    serverCa: ca.certPem,
    serverPair: await nodeCert(otherCa, "node-a"),
    clientCa: ca.certPem,
    clientPair: client,
  });
  assert.equal(outcome.received, "");
  assert.ok(outcome.clientError, "client reports a verification error");
});

Deno.test("Deno.connectTls verifies a node cert against the cluster CA and refuses an impostor", async () => {
  const serve = async (pair: CertAndKey) => {
    const listener = Deno.listenTls({
      hostname: "127.0.0.1",
      port: 0,
      cert: pair.certPem,
      key: pair.keyPem,
    });
    const accepted = (async () => {
      const conn = await listener.accept();
      try {
        await conn.handshake();
        await conn.write(new TextEncoder().encode("hi"));
      } catch {
        // The client refusing our certificate aborts the handshake; the client side asserts it.
      } finally {
        conn.close();
      }
    })();
    try {
      const conn = await Deno.connectTls({
        hostname: "127.0.0.1",
        port: (listener.addr as Deno.NetAddr).port,
        caCerts: [ca.certPem],
      });
      try {
        const buffer = new Uint8Array(2);
        await conn.handshake();
        const read = await conn.read(buffer);
        return new TextDecoder().decode(buffer.subarray(0, read ?? 0));
      } finally {
        conn.close();
      }
    } finally {
      await accepted;
      listener.close();
    }
  };
  assert.equal(await serve(server), "hi");
  await assert.rejects(serve(await nodeCert(otherCa, "node-a")));
});

const echoService = {
  echo: {
    path: "/jaco.test.Echo/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: string) => Buffer.from(value),
    requestDeserialize: (bytes: Buffer) => bytes.toString(),
    responseSerialize: (value: string) => Buffer.from(value),
    responseDeserialize: (bytes: Buffer) => bytes.toString(),
  },
} satisfies grpc.ServiceDefinition;

/** One grpc-js unary call over mutual TLS; returns the reply or the error message. */
async function grpcCall(
  clientPair: CertAndKey,
  serverPair: CertAndKey,
  targetName = "node-a",
): Promise<{ reply?: string; error?: string; seen: string[] }> {
  const seen: string[] = [];
  const grpcServer = new grpc.Server();
  grpcServer.addService(echoService, {
    echo: (call: grpc.ServerUnaryCall<string, string>, callback: grpc.sendUnaryData<string>) => {
      const peer = call.getAuthContext().sslPeerCertificate;
      seen.push(String(peer?.subject?.CN));
      callback(null, `echo:${call.request}`);
    },
  });
  const credentials = grpc.ServerCredentials.createSsl(
    Buffer.from(ca.certPem),
    [{ cert_chain: Buffer.from(serverPair.certPem), private_key: Buffer.from(serverPair.keyPem) }],
    true,
  );
  const port = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync(
      "127.0.0.1:0",
      credentials,
      (error, bound) => error ? reject(error) : resolve(bound),
    )
  );
  const Client = grpc.makeGenericClientConstructor(echoService, "Echo");
  // Deno's node:tls refuses an IP as SNI servername, so peers dialled by IP name the node's
  // hostname (its DNS SAN) as the TLS target.
  const stub = new Client(
    `127.0.0.1:${port}`,
    grpc.credentials.createSsl(
      Buffer.from(ca.certPem),
      Buffer.from(clientPair.keyPem),
      Buffer.from(clientPair.certPem),
    ),
    { "grpc.ssl_target_name_override": targetName },
  );
  try {
    return await new Promise((resolve) => {
      stub.echo(
        "ping",
        { deadline: Date.now() + 5_000 },
        (error: grpc.ServiceError | null, reply?: string) =>
          resolve(error ? { error: error.message, seen } : { reply, seen }),
      );
    });
  } finally {
    stub.close();
    await new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
  }
}

Deno.test("node certs carry a grpc-js call over mutual TLS; the handler sees the client's CN", async () => {
  const result = await grpcCall(client, server);
  assert.equal(result.error, undefined);
  assert.equal(result.reply, "echo:ping");
  assert.deepEqual(result.seen, ["node-b"]);
});

Deno.test("grpc-js server refuses a client cert issued by another CA", async () => {
  const result = await grpcCall(foreign, server);
  assert.equal(result.reply, undefined);
  assert.ok(result.error);
  assert.deepEqual(result.seen, []);
});

Deno.test("grpc-js client refuses a server cert issued by another CA", async () => {
  const result = await grpcCall(client, await nodeCert(otherCa, "node-a"));
  assert.equal(result.reply, undefined);
  assert.ok(result.error);
  assert.deepEqual(result.seen, []);
});

Deno.test("grpc-js client refuses a cluster-signed server cert that does not name the dialled node", async () => {
  const result = await grpcCall(client, server, "node-z");
  assert.equal(result.reply, undefined);
  assert.ok(result.error);
  assert.deepEqual(result.seen, []);
});

Deno.test("Deno.connectTls presents an Ed25519 node cert that a node:tls server verifies", async () => {
  const seen: string[] = [];
  const tlsServer = tls.createServer({
    cert: server.certPem,
    key: server.keyPem,
    ca: ca.certPem,
    requestCert: true,
    rejectUnauthorized: true,
  }, (socket) => {
    if (socket.authorized) seen.push(String(socket.getPeerCertificate().subject?.CN));
    socket.end("ok");
  });
  await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
  try {
    const conn = await Deno.connectTls({
      hostname: "127.0.0.1",
      port: (tlsServer.address() as { port: number }).port,
      caCerts: [ca.certPem],
      cert: client.certPem,
      key: client.keyPem,
    });
    try {
      const buffer = new Uint8Array(2);
      const read = await conn.read(buffer);
      assert.equal(new TextDecoder().decode(buffer.subarray(0, read ?? 0)), "ok");
    } finally {
      conn.close();
    }
  } finally {
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  }
  assert.deepEqual(seen, ["node-b"]);
});
