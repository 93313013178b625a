import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import dgram from "node:dgram";
import * as dnsPacket from "dns-packet";
import { DnsForwarder, splitUpstream } from "./dns_forward.ts";
import { DnsResponder } from "./dns_server.ts";

// deno-lint-ignore no-explicit-any
type Decoded = any;

/** A fake upstream on 127.0.0.1: `example.test` → A 192.0.2.7, `fail.test` → SERVFAIL, else NXDOMAIN. */
async function fakeUpstream(
  rcodeFor: (name: string) => string = (name) =>
    name === "example.test" ? "NOERROR" : name === "fail.test" ? "SERVFAIL" : "NXDOMAIN",
) {
  const socket = dgram.createSocket("udp4");
  const seen: string[] = [];
  socket.on("message", (message, remote) => {
    const query = dnsPacket.decode(message) as Decoded;
    const question = query.questions[0];
    seen.push(`${question.type} ${question.name}`);
    const rcode = rcodeFor(question.name);
    const flags = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 }[rcode] ?? 0;
    const answers = rcode === "NOERROR" && question.type === "A"
      ? [
        { type: "CNAME", name: question.name, ttl: 60, data: "real.example.test" },
        { type: "A", name: "real.example.test", ttl: 60, data: "192.0.2.7" },
      ]
      : [];
    socket.send(
      dnsPacket.encode({ type: "response", id: query.id, flags, questions: [question], answers }),
      remote.port,
      remote.address,
    );
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { address: `127.0.0.1:${socket.address().port}`, seen, close: () => socket.close() };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function udpAsk(port: number, name: string, type: string): Promise<Decoded> {
  const socket = dgram.createSocket("udp4");
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error("no reply"));
    }, 5000);
    socket.on("message", (message) => {
      clearTimeout(timer);
      socket.close();
      resolve(dnsPacket.decode(message));
    });
    socket.send(
      dnsPacket.encode({ type: "query", id: 42, questions: [{ type, name }] }),
      port,
      "127.0.0.1",
    );
  });
}

async function tcpAsk(port: number, names: string[]): Promise<Decoded[]> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  for (const name of names) {
    await connection.write(
      dnsPacket.streamEncode({ type: "query", id: 43, questions: [{ type: "A", name }] }),
    );
  }
  const replies: Decoded[] = [];
  let buffer = new Uint8Array(0);
  const reader = connection.readable.getReader();
  while (replies.length < names.length) {
    const { value, done } = await reader.read();
    if (done) break;
    const joined = new Uint8Array(buffer.length + value.length);
    joined.set(buffer);
    joined.set(value, buffer.length);
    buffer = joined;
    while (buffer.length >= 2 && buffer.length >= 2 + ((buffer[0] << 8) | buffer[1])) {
      const length = (buffer[0] << 8) | buffer[1];
      replies.push(dnsPacket.decode(Buffer.from(buffer.slice(2, 2 + length))));
      buffer = buffer.slice(2 + length);
    }
  }
  reader.releaseLock();
  connection.close();
  return replies;
}

Deno.test("splitUpstream() reads host:port and [v6]:port", () => {
  assert.deepEqual(splitUpstream("1.1.1.1:53"), { host: "1.1.1.1", port: 53 });
  assert.deepEqual(splitUpstream("[2606:4700::1111]:5353"), {
    host: "2606:4700::1111",
    port: 5353,
  });
  assert.deepEqual(splitUpstream("dns.local"), { host: "dns.local", port: 53 });
});

Deno.test("DnsForwarder.lookup() walks the upstreams: a dead or SERVFAIL upstream is skipped, NOERROR/NXDOMAIN stop", async () => {
  const failing = await fakeUpstream(() => "SERVFAIL");
  const good = await fakeUpstream();
  const dead = `127.0.0.1:${freePort()}`;
  try {
    const forwarder = new DnsForwarder([dead, failing.address, good.address], 300);
    assert.deepEqual(await forwarder.lookup("example.test"), {
      a: ["192.0.2.7"],
      aaaa: [],
      nxdomain: false,
    });
    assert.deepEqual(await forwarder.lookup("missing.test"), { a: [], aaaa: [], nxdomain: true });
    assert.deepEqual(failing.seen.sort(), [
      "A example.test",
      "A missing.test",
      "AAAA example.test",
      "AAAA missing.test",
    ]);
    await assert.rejects(() => forwarder.lookup("fail.test"), /SERVFAIL/);
    await assert.rejects(() => new DnsForwarder([], 300).lookup("example.test"), /no upstream/);
  } finally {
    failing.close();
    good.close();
  }
});

Deno.test("DnsResponder answers its scope over UDP and TCP, forwards the rest, and reads answers per query", async () => {
  const upstream = await fakeUpstream();
  const port = freePort();
  let answers = new Map<string, readonly string[]>([["api", ["10.244.0.2"]]]);
  const responder = new DnsResponder({
    address: "127.0.0.1",
    port,
    deployment: "web",
    answers: () => answers,
    forward: (name) => new DnsForwarder([upstream.address], 500).lookup(name),
  });
  try {
    await responder.bound;
    const a = await udpAsk(port, "api", "A");
    assert.equal(a.id, 42);
    assert.deepEqual(a.answers.map((x: Decoded) => x.data), ["10.244.0.2"]);
    answers = new Map([["api", ["10.244.0.3", "10.244.2.2"]]]);
    const b = await udpAsk(port, "api.web.jaco.internal", "A");
    assert.deepEqual(b.answers.map((x: Decoded) => x.data).sort(), ["10.244.0.3", "10.244.2.2"]);
    const external = await udpAsk(port, "example.test", "A");
    assert.deepEqual(external.answers.map((x: Decoded) => [x.type, x.data, x.ttl]), [
      ["A", "192.0.2.7", 5],
    ]);
    assert.equal((await udpAsk(port, "fail.test", "A")).rcode, "SERVFAIL");
    assert.equal((await udpAsk(port, "nope", "A")).rcode, "NXDOMAIN");
    const overTcp = await tcpAsk(port, ["api", "example.test"]);
    assert.deepEqual(overTcp.map((reply) => reply.answers.length), [2, 1]);
  } finally {
    responder.stop();
    upstream.close();
  }
});

Deno.test("DnsResponder retries a bind that fails (address in use) and reports it once", async () => {
  const blocker = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => blocker.bind(0, "127.0.0.1", resolve));
  const port = blocker.address().port;
  const errors: string[] = [];
  const responder = new DnsResponder({
    address: "127.0.0.1",
    port,
    deployment: "web",
    answers: () => new Map([["api", ["10.244.0.2"]]]),
    forward: () => Promise.reject(new Error("none")),
    onBindError: (error) => errors.push(error.message),
    retryMinMs: 20,
    retryMaxMs: 40,
  });
  try {
    const deadline = Date.now() + 5000;
    while (errors.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(errors.length, 1);
    blocker.close();
    await responder.bound;
    assert.deepEqual((await udpAsk(port, "api", "A")).answers.map((x: Decoded) => x.data), [
      "10.244.0.2",
    ]);
    assert.equal(errors.length, 1, "reported once");
  } finally {
    responder.stop();
    try {
      blocker.close();
    } catch { /* closed */ }
  }
});
