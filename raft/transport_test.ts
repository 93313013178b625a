/**
 * One suite run against every {@link Transport} (in-memory and mutual TLS),
 * then the TLS-only guarantees: refusal of peers without a CA-signed client
 * certificate, sender identity, and reconnect.
 */
import assert from "node:assert/strict";
import tls from "node:tls";
import { encodeFrame } from "./_frames.ts";
import { mintCa, mintSelfSigned, type PemPair } from "../tests/_pki.ts";
import { MemoryNetwork } from "./memory_transport.ts";
import { TlsTransport } from "./tls_transport.ts";
import type { Transport } from "./transport.ts";
import { EntryType, type Message, MessageType } from "./types.ts";

const ca = await mintCa();
const certs = new Map<string, PemPair>();
for (const id of ["a", "b", "c"]) certs.set(id, await ca.sign({ commonName: id }));

interface Cluster {
  transports: Map<string, Transport>;
  inbox: Map<string, Message[][]>;
  close(): Promise<void>;
}

type Factory = (options: { maxQueuedMessages?: number }) => Promise<Cluster>;

function wire(transports: Map<string, Transport>, addresses: Map<string, string>): Cluster {
  const inbox = new Map<string, Message[][]>();
  for (const [id, t] of transports) {
    inbox.set(id, []);
    t.onMessages((batch) => inbox.get(id)!.push(batch));
    for (const [peer, address] of addresses) if (peer !== id) t.setPeer(peer, address);
  }
  return {
    transports,
    inbox,
    close: async () => {
      for (const t of transports.values()) await t.close();
    },
  };
}

const factories: Record<string, Factory> = {
  MemoryTransport: (options) => {
    const network = new MemoryNetwork();
    const transports = new Map<string, Transport>();
    for (const id of ["a", "b", "c"]) transports.set(id, network.transport(id, options));
    return Promise.resolve(wire(transports, new Map([["a", ""], ["b", ""], ["c", ""]])));
  },
  TlsTransport: async (options) => {
    const transports = new Map<string, Transport>();
    const addresses = new Map<string, string>();
    for (const id of ["a", "b", "c"]) {
      const t = await TlsTransport.listen({
        id,
        hostname: "127.0.0.1",
        port: 0,
        ca: ca.cert,
        ...certs.get(id)!,
        ...options,
      });
      transports.set(id, t);
      addresses.set(id, `127.0.0.1:${t.port}`);
    }
    return wire(transports, addresses);
  },
};

function msg(from: string, to: string, index: number, extra: Partial<Message> = {}): Message {
  return {
    type: MessageType.append,
    from,
    to,
    term: 1,
    logTerm: 1,
    index,
    entries: [{
      term: 1,
      index: index + 1,
      type: EntryType.normal,
      data: new Uint8Array([index % 256]),
    }],
    commit: 0,
    reject: false,
    rejectHint: 0,
    rejectTerm: 0,
    ...extra,
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const flat = (batches: Message[][]) => batches.flat();

for (const [kind, make] of Object.entries(factories)) {
  const test = (name: string, body: (c: Cluster) => Promise<void>, options = {}) =>
    Deno.test(`${kind} ${name}`, async () => {
      const cluster = await make(options);
      try {
        await body(cluster);
      } finally {
        await cluster.close();
      }
    });

  test("send() delivers messages to their peers in order with every field", async (c) => {
    const sent = [msg("a", "b", 1), msg("a", "c", 2), msg("a", "b", 3, { reject: true })];
    c.transports.get("a")!.send(sent);
    await until(() => flat(c.inbox.get("b")!).length === 2, "b to receive 2");
    await until(() => flat(c.inbox.get("c")!).length === 1, "c to receive 1");
    assert.deepEqual(flat(c.inbox.get("b")!), [sent[0], sent[2]]);
    assert.deepEqual(flat(c.inbox.get("c")!), [sent[1]]);
    assert.equal(flat(c.inbox.get("a")!).length, 0);
  });

  test("send() batches what is sent in one turn", async (c) => {
    const a = c.transports.get("a")!;
    for (let i = 0; i < 200; i++) a.send([msg("a", "b", i)]);
    await until(() => flat(c.inbox.get("b")!).length === 200, "200 messages");
    assert.ok(c.inbox.get("b")!.length < 20, `${c.inbox.get("b")!.length} batches`);
    assert.deepEqual(flat(c.inbox.get("b")!).map((m) => m.index), [...Array(200).keys()]);
  });

  test("send() keeps only the newest messages when the queue bound is hit", async (c) => {
    const a = c.transports.get("a")!;
    for (let i = 0; i < 100; i++) a.send([msg("a", "b", i)]);
    await until(() => flat(c.inbox.get("b")!).length >= 10, "10 messages");
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      flat(c.inbox.get("b")!).map((m) => m.index),
      [...Array(10).keys()].map((i) => i + 90),
    );
  }, { maxQueuedMessages: 10 });

  test("send() to an unknown or removed peer drops silently", async (c) => {
    const a = c.transports.get("a")!;
    a.removePeer("c");
    a.send([msg("a", "zz", 1), msg("a", "c", 2), msg("a", "b", 3)]);
    await until(() => flat(c.inbox.get("b")!).length === 1, "b's message");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(flat(c.inbox.get("c")!).length, 0);
  });

  test("send() carries a 1 MiB snapshot chunk", async (c) => {
    const data = new Uint8Array(1 << 20).map((_, i) => i % 251);
    const m = msg("a", "b", 7, {
      type: MessageType.snapshot,
      entries: [],
      snapshot: {
        meta: { index: 7, term: 1, conf: { voters: ["a"], learners: [] } },
        offset: 0,
        data,
        done: true,
      },
    });
    c.transports.get("a")!.send([m]);
    await until(() => flat(c.inbox.get("b")!).length === 1, "the snapshot");
    assert.deepEqual(flat(c.inbox.get("b")!)[0], m);
  });

  test("close() stops delivery both ways", async (c) => {
    await c.transports.get("b")!.close();
    c.transports.get("a")!.send([msg("a", "b", 1)]);
    c.transports.get("b")!.send([msg("b", "a", 1)]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(flat(c.inbox.get("b")!).length, 0);
    assert.equal(flat(c.inbox.get("a")!).length, 0);
  });
}

/** Dials `port` with `identity` (or none), writes one valid frame, reports whether the peer kept the link. */
async function rawAttempt(
  port: number,
  identity: PemPair | undefined,
  caPem = ca.cert,
): Promise<void> {
  await new Promise<void>((resolve) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ca: caPem, ...identity }, () => {
      socket.write(encodeFrame([msg("a", "b", 1)]));
    });
    socket.on("error", () => resolve());
    socket.on("close", () => resolve());
    setTimeout(() => {
      socket.destroy();
      resolve();
    }, 500);
  });
}

Deno.test("TlsTransport refuses peers without a CA-signed client certificate", async () => {
  const b = await TlsTransport.listen({
    id: "b",
    hostname: "127.0.0.1",
    port: 0,
    ca: ca.cert,
    ...certs.get("b")!,
  });
  const received: Message[] = [];
  b.onMessages((batch) => received.push(...batch));
  try {
    const otherCa = await mintCa("another ca");
    await rawAttempt(b.port, undefined);
    await rawAttempt(b.port, await mintSelfSigned("a"));
    await rawAttempt(b.port, await otherCa.sign({ commonName: "a" }));
    // A full transport with a foreign-CA identity cannot deliver either.
    const impostor = await TlsTransport.listen({
      id: "a",
      hostname: "127.0.0.1",
      port: 0,
      ca: ca.cert,
      ...(await otherCa.sign({ commonName: "a" })),
    });
    impostor.setPeer("b", `127.0.0.1:${b.port}`);
    impostor.send([msg("a", "b", 2)]);
    await new Promise((r) => setTimeout(r, 300));
    await impostor.close();
    assert.equal(received.length, 0);
    // Control: the same raw path with a valid identity does deliver.
    await rawAttempt(b.port, certs.get("a"));
    assert.equal(received.length, 1);
  } finally {
    await b.close();
  }
});

Deno.test("TlsTransport refuses a server whose certificate is not signed by the CA", async () => {
  const otherCa = await mintCa("another ca");
  const rogue = await TlsTransport.listen({
    id: "b",
    hostname: "127.0.0.1",
    port: 0,
    ca: ca.cert,
    ...(await otherCa.sign({ commonName: "b" })),
    checkSenderIdentity: false,
  });
  const a = await TlsTransport.listen({
    id: "a",
    hostname: "127.0.0.1",
    port: 0,
    ca: ca.cert,
    ...certs.get("a")!,
  });
  const received: Message[] = [];
  rogue.onMessages((batch) => received.push(...batch));
  try {
    a.setPeer("b", `127.0.0.1:${rogue.port}`);
    a.send([msg("a", "b", 1)]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(received.length, 0);
  } finally {
    await a.close();
    await rogue.close();
  }
});

Deno.test("TlsTransport drops batches whose sender differs from the certificate name", async () => {
  const b = await TlsTransport.listen({
    id: "b",
    hostname: "127.0.0.1",
    port: 0,
    ca: ca.cert,
    ...certs.get("b")!,
  });
  const c = await TlsTransport.listen({
    id: "c",
    hostname: "127.0.0.1",
    port: 0,
    ca: ca.cert,
    ...certs.get("c")!,
  });
  const received: Message[] = [];
  b.onMessages((batch) => received.push(...batch));
  try {
    c.setPeer("b", `127.0.0.1:${b.port}`);
    c.send([msg("a", "b", 1)]);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(received.length, 0);
    c.send([msg("c", "b", 2)]);
    await until(() => received.length === 1, "the honest message");
    assert.equal(received[0].from, "c");
  } finally {
    await b.close();
    await c.close();
  }
});

Deno.test("TlsTransport reconnects after the peer restarts", async () => {
  let b = await TlsTransport.listen({
    id: "b",
    hostname: "127.0.0.1",
    port: 0,
    ca: ca.cert,
    ...certs.get("b")!,
  });
  const port = b.port;
  const a = await TlsTransport.listen({
    id: "a",
    hostname: "127.0.0.1",
    port: 0,
    ca: ca.cert,
    ...certs.get("a")!,
    backoffMaxMs: 100,
  });
  const received: Message[] = [];
  try {
    b.onMessages((batch) => received.push(...batch));
    a.setPeer("b", `127.0.0.1:${port}`);
    a.send([msg("a", "b", 1)]);
    await until(() => received.length === 1, "first message");
    await b.close();
    a.send([msg("a", "b", 2)]);
    await new Promise((r) => setTimeout(r, 150));
    b = await TlsTransport.listen({
      id: "b",
      hostname: "127.0.0.1",
      port,
      ca: ca.cert,
      ...certs.get("b")!,
    });
    b.onMessages((batch) => received.push(...batch));
    const deadline = Date.now() + 5000;
    while (!received.some((m) => m.index === 3) && Date.now() < deadline) {
      a.send([msg("a", "b", 3)]);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(received.some((m) => m.index === 3));
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("TlsTransport accepts a sender named by a DNS SAN of its certificate", async () => {
  const b = await TlsTransport.listen({
    id: "b",
    hostname: "127.0.0.1",
    port: 0,
    ca: ca.cert,
    ...certs.get("b")!,
  });
  const alias = await TlsTransport.listen({
    id: "node-x.cluster",
    hostname: "127.0.0.1",
    port: 0,
    ca: ca.cert,
    ...(await ca.sign({ commonName: "x", dnsNames: ["node-x.cluster"] })),
  });
  const received: Message[] = [];
  b.onMessages((batch) => received.push(...batch));
  try {
    alias.setPeer("b", `127.0.0.1:${b.port}`);
    alias.send([msg("node-x.cluster", "b", 1)]);
    await until(() => received.length === 1, "the SAN-named message");
  } finally {
    await b.close();
    await alias.close();
  }
});

Deno.test("TlsTransport drops a connection whose handshake never completes and redials", async () => {
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of silent) accepted.push(conn);
  })();
  const a = await TlsTransport.listen({
    id: "a",
    hostname: "127.0.0.1",
    port: 0,
    ca: ca.cert,
    ...certs.get("a")!,
    ioTimeoutMs: 100,
    backoffInitialMs: 10,
    backoffMaxMs: 20,
  });
  try {
    a.setPeer("b", `127.0.0.1:${(silent.addr as Deno.NetAddr).port}`);
    const deadline = Date.now() + 5000;
    while (accepted.length < 2 && Date.now() < deadline) {
      a.send([msg("a", "b", 1)]);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(accepted.length >= 2, `${accepted.length} connection attempts`);
  } finally {
    await a.close();
    silent.close();
    await accepting.catch(() => undefined); // the listener was closed under the loop
    for (const conn of accepted) conn.close();
  }
});
