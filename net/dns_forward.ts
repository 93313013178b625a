/**
 * The shared DNS forwarder (networking.md §6.4): looks external names up at the configured
 * upstreams over UDP with `dns-packet` (`node:dgram`, which Deno supports without unstable
 * flags).
 *
 * Lookup(name): A and AAAA in parallel; each type walks the upstreams in order — a transport
 * error, a timeout or rcode SERVFAIL/REFUSED/NOTIMP moves to the next, NOERROR or NXDOMAIN is
 * authoritative. The result is the union of addresses (CNAMEs flattened away). Decision where the
 * spec is silent: a truncated UDP reply is used as is (addresses of an A/AAAA answer fit in 512
 * bytes in practice); no TCP retry.
 *
 * @module
 */
import dgram from "node:dgram";
import * as dnsPacket from "dns-packet";
import type { ForwardResult } from "./dns_query.ts";

/** Splits `host:port` (`[v6]:port` for IPv6). */
export function splitUpstream(upstream: string): { host: string; port: number } {
  const bracketed = /^\[(.+)\]:(\d+)$/.exec(upstream);
  if (bracketed) return { host: bracketed[1], port: Number(bracketed[2]) };
  const index = upstream.lastIndexOf(":");
  if (index < 0) return { host: upstream, port: 53 };
  return { host: upstream.slice(0, index), port: Number(upstream.slice(index + 1)) };
}

type TypeOutcome =
  | { kind: "found"; addresses: string[] }
  | { kind: "nxdomain" }
  | { kind: "failed"; reason: string };

/** Sends one query to one upstream and waits for the reply (or the timeout). */
function queryOnce(
  upstream: string,
  name: string,
  type: "A" | "AAAA",
  timeoutMs: number,
): Promise<{ rcode: string; answers: { type: string; data: unknown }[] }> {
  const { host, port } = splitUpstream(upstream);
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  const id = Math.floor(Math.random() * 65536);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    const finish = (error?: Error, value?: { rcode: string; answers: [] }) => {
      clearTimeout(timer);
      try {
        socket.close();
      } catch { /* already closed */ }
      if (error) reject(error);
      else resolve(value!);
    };
    socket.on("error", (error) => finish(error));
    socket.on("message", (message) => {
      try {
        const decoded = dnsPacket.decode(message);
        if (decoded.id !== id) return;
        finish(undefined, { rcode: decoded.rcode ?? "NOERROR", answers: decoded.answers ?? [] });
      } catch {
        // An undecodable datagram is ignored; the timer still runs.
      }
    });
    const query = dnsPacket.encode({
      type: "query",
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type, name }],
    });
    socket.send(query, port, host, (error) => {
      if (error) finish(error);
    });
  });
}

/** Walks the upstreams for one type. */
async function lookupType(
  upstreams: readonly string[],
  name: string,
  type: "A" | "AAAA",
  timeoutMs: number,
): Promise<TypeOutcome> {
  const reasons: string[] = [];
  for (const upstream of upstreams) {
    try {
      const { rcode, answers } = await queryOnce(upstream, name, type, timeoutMs);
      if (rcode === "NXDOMAIN") return { kind: "nxdomain" };
      if (rcode !== "NOERROR") {
        reasons.push(`${upstream}: ${rcode}`);
        continue;
      }
      const addresses = answers.filter((answer) => answer.type === type)
        .map((answer) => String(answer.data));
      return { kind: "found", addresses };
    } catch (error) {
      reasons.push(`${upstream}: ${(error as Error).message}`);
    }
  }
  return { kind: "failed", reason: reasons.join("; ") };
}

/** The forwarder every responder of a daemon shares. */
export class DnsForwarder {
  readonly #upstreams: readonly string[];
  readonly #timeoutMs: number;

  /**
   * @param upstreams normalised `host:port` upstreams (`resolverForwarders`), in order
   * @param timeoutMs per-upstream timeout (`dns.forwarder_timeout`)
   */
  constructor(upstreams: readonly string[], timeoutMs: number) {
    this.#upstreams = upstreams;
    this.#timeoutMs = timeoutMs;
  }

  /** The effective upstreams. */
  get upstreams(): readonly string[] {
    return this.#upstreams;
  }

  /**
   * Looks `name` up (A and AAAA in parallel).
   *
   * @throws {Error} "no upstreams" when none are configured; when every type failed to find
   *   anything and at least one failed outright (the responder answers SERVFAIL)
   */
  async lookup(name: string): Promise<ForwardResult> {
    if (this.#upstreams.length === 0) throw new Error("dns: no upstream resolvers configured");
    const [a, aaaa] = await Promise.all([
      lookupType(this.#upstreams, name, "A", this.#timeoutMs),
      lookupType(this.#upstreams, name, "AAAA", this.#timeoutMs),
    ]);
    const v4 = a.kind === "found" ? a.addresses : [];
    const v6 = aaaa.kind === "found" ? aaaa.addresses : [];
    const failed = [a, aaaa].filter((outcome) => outcome.kind === "failed");
    if (v4.length + v6.length === 0 && failed.length > 0) {
      throw new Error(
        failed.map((outcome) => outcome.kind === "failed" ? outcome.reason : "").join("; "),
      );
    }
    return {
      a: v4,
      aaaa: v6,
      nxdomain: v4.length + v6.length === 0 && a.kind === "nxdomain" && aaaa.kind === "nxdomain",
    };
  }
}
