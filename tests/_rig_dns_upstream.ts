/**
 * A tiny authoritative UDP DNS server for the rig DNS tests, run inside a rig host (a network
 * namespace) as the upstream of jacod's forwarder (`dns.forwarders`): names under
 * `upstream.test` answer A `192.0.2.<n>` where `<n>` is the label count of the name plus 10
 * (so `a.upstream.test` → `192.0.2.13`), `aaaa-only.upstream.test` has only an AAAA record, every
 * other name is NXDOMAIN. Each query is printed as `query <type> <name>` on stdout (the test reads
 * it from the process log to prove the forwarder asked this server).
 *
 * Usage: `deno run -A tests/_rig_dns_upstream.ts <address> <port>`; prints `listening` once bound.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import dgram from "node:dgram";
import * as dnsPacket from "dns-packet";

const [address = "0.0.0.0", port = "53"] = Deno.args;

/** The answer records of `name`/`type` and whether the name exists at all. */
export function answerOf(
  name: string,
  type: string,
): { exists: boolean; answers: dnsPacket.Answer[] } {
  const lower = name.toLowerCase().replace(/\.$/, "");
  if (!lower.endsWith(".upstream.test")) return { exists: false, answers: [] };
  if (lower === "aaaa-only.upstream.test") {
    return {
      exists: true,
      answers: type === "AAAA" ? [{ type: "AAAA", name, ttl: 30, data: "2001:db8::7" }] : [],
    };
  }
  const host = 10 + lower.split(".").length;
  return {
    exists: true,
    answers: type === "A" ? [{ type: "A", name, ttl: 30, data: `192.0.2.${host}` }] : [],
  };
}

if (import.meta.main) {
  const socket = dgram.createSocket("udp4");
  socket.on("message", (message: Buffer, remote: dgram.RemoteInfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    console.log(`query ${question.type} ${question.name}`);
    const { exists, answers } = answerOf(question.name, question.type);
    const reply = dnsPacket.encode({
      type: "response",
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (exists ? 0 : 3),
      questions: query.questions,
      answers,
    });
    socket.send(reply, remote.port, remote.address);
  });
  socket.bind(Number(port), address, () => console.log("listening"));
}
