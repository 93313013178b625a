/**
 * DNS query handling of one responder (networking.md §6.3), pure apart from the injected
 * forwarder: decode a request, answer in-scope names from the {@link ScopeAnswers}, forward
 * external A/AAAA names, encode the authoritative reply.
 *
 * Decisions where the spec is silent:
 * - Only the first question is answered (every real stub sends one); a request without a
 *   question or that does not decode gets FORMERR (when an id can be read) or no reply.
 * - External names of other types (MX, TXT, …) are looked up as A/AAAA only to decide NODATA vs
 *   NXDOMAIN (records are never synthesised); a failed lookup → SERVFAIL.
 * - In-scope answers are shuffled per reply (random order), TTL 5 everywhere.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import * as dnsPacket from "dns-packet";
import type { ScopeAnswers } from "./dns_answers.ts";

/** TTL of every synthesised or forwarded record. */
export const answerTtl = 5;

/** What a forwarder lookup returns (networking.md §6.4). */
export interface ForwardResult {
  /** IPv4 addresses (CNAMEs flattened away). */
  a: string[];
  /** IPv6 addresses. */
  aaaa: string[];
  /** True when an upstream said the name does not exist (and nothing was found). */
  nxdomain: boolean;
}

/** Looks a name up at the upstreams; rejects when every upstream failed or none exist. */
export type ForwardLookup = (name: string) => Promise<ForwardResult>;

/** Where a query goes. */
export type Resolution =
  | { kind: "answer"; ips: readonly string[] }
  | { kind: "nodata" }
  | { kind: "nxdomain" }
  | { kind: "external"; name: string };

/** Lower-cases, strips a trailing dot and a trailing `.jaco.internal`. */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase().replace(/\.$/, "");
  return lower.endsWith(".jaco.internal") ? lower.slice(0, -".jaco.internal".length) : lower;
}

/**
 * The in-scope service (or replica) label of a name, or `undefined` when it is external:
 * `<name>`, `<name>.<deployment>` (own deployment only), each optionally `.jaco.internal`.
 */
export function inScopeLabel(name: string, deployment: string): string | undefined {
  const normalized = normalizeName(name);
  if (normalized === "") return undefined;
  const labels = normalized.split(".");
  if (labels.length === 1) return labels[0];
  if (labels.length === 2 && labels[1] === deployment.toLowerCase()) return labels[0];
  return undefined;
}

/** Decides a query of `type` for `name` in the responder's scope. */
export function resolveQuery(
  answers: ScopeAnswers,
  deployment: string,
  name: string,
  type: string,
): Resolution {
  const label = inScopeLabel(name, deployment);
  if (label === undefined) return { kind: "external", name: name.replace(/\.$/, "") };
  const ips = answers.get(label);
  if (ips === undefined) return { kind: "nxdomain" };
  if (type === "A") return { kind: "answer", ips };
  return { kind: "nodata" };
}

/** Fisher–Yates shuffle into a new array. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

type Question = { type: string; name: string; class?: string };
type Answer = { type: string; name: string; ttl: number; data: string; class?: string };
type Decoded = { id?: number; flags?: number; questions?: Question[] };

const rcodeFlags = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3 } as const;

/** Encodes an authoritative reply to `request`. */
function reply(
  request: Decoded,
  rcode: keyof typeof rcodeFlags,
  answers: Answer[] = [],
): Uint8Array {
  const recursionDesired = (request.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  return dnsPacket.encode({
    type: "response",
    id: request.id ?? 0,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | recursionDesired |
      rcodeFlags[rcode],
    questions: request.questions ?? [],
    answers,
  });
}

/** Logging hooks of {@link handleQuery}. */
export interface QueryLog {
  /** Every query (DEBUG). */
  debug(message: string, fields: Record<string, unknown>): void;
  /** Forward failures (WARN). */
  warn(message: string, fields: Record<string, unknown>): void;
}

/**
 * Answers one request message of a responder scoped to `deployment` (its `answers` = that
 * scope's current set). Returns `undefined` when the bytes are not a DNS query at all.
 */
export async function handleQuery(
  message: Uint8Array,
  answers: ScopeAnswers,
  deployment: string,
  forward: ForwardLookup,
  log?: QueryLog,
): Promise<Uint8Array | undefined> {
  let request: Decoded;
  try {
    request = dnsPacket.decode(
      Buffer.from(message.buffer, message.byteOffset, message.byteLength),
    ) as Decoded;
  } catch {
    if (message.length < 2) return undefined;
    return reply({ id: (message[0] << 8) | message[1] }, "FORMERR");
  }
  const question = request.questions?.[0];
  if (!question) return reply(request, "FORMERR");
  const resolution = resolveQuery(answers, deployment, question.name, question.type);
  log?.debug("dns query", { name: question.name, type: question.type, result: resolution.kind });
  if (resolution.kind === "answer") {
    return reply(
      request,
      "NOERROR",
      shuffled(resolution.ips).map((ip) => ({
        type: "A",
        class: "IN",
        name: question.name,
        ttl: answerTtl,
        data: ip,
      })),
    );
  }
  if (resolution.kind === "nodata") return reply(request, "NOERROR");
  if (resolution.kind === "nxdomain") return reply(request, "NXDOMAIN");
  let result: ForwardResult;
  try {
    result = await forward(resolution.name);
  } catch (error) {
    log?.warn("dns forward failed", { name: question.name, error: (error as Error).message });
    return reply(request, "SERVFAIL");
  }
  const family = question.type === "A" ? result.a : question.type === "AAAA" ? result.aaaa : [];
  if (family.length > 0) {
    return reply(
      request,
      "NOERROR",
      family.map((ip) => ({
        type: question.type,
        class: "IN",
        name: question.name,
        ttl: answerTtl,
        data: ip,
      })),
    );
  }
  const exists = result.a.length > 0 || result.aaaa.length > 0 || !result.nxdomain;
  return reply(request, exists ? "NOERROR" : "NXDOMAIN");
}
