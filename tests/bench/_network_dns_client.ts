/**
 * DNS latency client of `deno task bench network`, run inside a rig host (network namespace):
 * sends `count` A queries for `name` to `<server>:53` over UDP, one at a time (each waits for
 * its reply, 1 s timeout), and prints one JSON line
 * `{"queries": n, "answered": a, "p50_ms": …, "p99_ms": …, "max_ms": …, "addresses": [...]}`
 * (`addresses`: the A records of the last reply).
 *
 * Usage: `deno run -A tests/bench/_network_dns_client.ts <server> <name> <count>`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import dgram from "node:dgram";
import * as dnsPacket from "dns-packet";
import { quantile } from "../_rig_http_probe.ts";

/** One query; resolves with the A records and the round trip, or undefined on timeout. */
function ask(
  socket: dgram.Socket,
  server: string,
  name: string,
  id: number,
): Promise<{ ms: number; addresses: string[] } | undefined> {
  return new Promise((resolve) => {
    const started = performance.now();
    const timer = setTimeout(() => {
      socket.off("message", onMessage);
      resolve(undefined);
    }, 1000);
    const onMessage = (message: Buffer) => {
      const reply = dnsPacket.decode(message);
      if (reply.id !== id) return;
      clearTimeout(timer);
      socket.off("message", onMessage);
      resolve({
        ms: performance.now() - started,
        addresses: (reply.answers ?? [])
          .filter((answer: dnsPacket.Answer) => answer.type === "A")
          .map((answer: dnsPacket.Answer) => String(answer.data)),
      });
    };
    socket.on("message", onMessage);
    socket.send(
      Buffer.from(dnsPacket.encode({
        type: "query",
        id,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type: "A", name }],
      })),
      53,
      server,
    );
  });
}

if (import.meta.main) {
  const [server, name, count = "1000"] = Deno.args;
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, () => resolve()));
  const latencies: number[] = [];
  let addresses: string[] = [];
  for (let i = 0; i < Number(count); i++) {
    const answer = await ask(socket, server, name, (i % 65535) + 1);
    if (!answer) continue;
    latencies.push(answer.ms);
    addresses = answer.addresses;
  }
  socket.close();
  latencies.sort((a, b) => a - b);
  console.log(JSON.stringify({
    queries: Number(count),
    answered: latencies.length,
    p50_ms: quantile(latencies, 0.5),
    p99_ms: quantile(latencies, 0.99),
    max_ms: latencies.at(-1),
    addresses,
  }));
}
