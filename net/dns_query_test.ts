import assert from "node:assert/strict";
import * as dnsPacket from "dns-packet";
import {
  type ForwardResult,
  handleQuery,
  inScopeLabel,
  normalizeName,
  resolveQuery,
} from "./dns_query.ts";

const answers = new Map<string, readonly string[]>([
  ["api", ["10.244.0.2", "10.244.2.2"]],
  ["web-api-1", ["10.244.0.2"]],
  ["idle", []],
]);

function query(name: string, type: string, id = 7): Uint8Array {
  return dnsPacket.encode({
    type: "query",
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name }],
  });
}

// deno-lint-ignore no-explicit-any
type Decoded = any;

async function ask(
  name: string,
  type: string,
  forward: (name: string) => Promise<ForwardResult> = () => {
    throw new Error("must not forward");
  },
): Promise<Decoded> {
  const bytes = await handleQuery(query(name, type), answers, "web", forward);
  assert.ok(bytes);
  return dnsPacket.decode(bytes);
}

Deno.test("normalizeName()/inScopeLabel() accept <name>, <name>.<own deployment>, each with .jaco.internal", () => {
  assert.equal(normalizeName("API.Web.JACO.internal."), "api.web");
  for (const name of ["api", "API.", "api.web", "api.jaco.internal", "api.web.jaco.internal."]) {
    assert.equal(inScopeLabel(name, "web"), "api", name);
  }
  for (const name of ["api.other", "api.other.jaco.internal", "example.com", "a.b.web", ""]) {
    assert.equal(inScopeLabel(name, "web"), undefined, name);
  }
});

Deno.test("resolveQuery() follows the §6.3 table for in-scope names", () => {
  assert.deepEqual(resolveQuery(answers, "web", "api", "A"), {
    kind: "answer",
    ips: ["10.244.0.2", "10.244.2.2"],
  });
  assert.deepEqual(resolveQuery(answers, "web", "nope", "A"), { kind: "nxdomain" });
  assert.deepEqual(resolveQuery(answers, "web", "api", "AAAA"), { kind: "nodata" });
  assert.deepEqual(resolveQuery(answers, "web", "nope", "AAAA"), { kind: "nxdomain" });
  assert.deepEqual(resolveQuery(answers, "web", "api", "MX"), { kind: "nodata" });
  assert.deepEqual(resolveQuery(answers, "web", "example.com.", "A"), {
    kind: "external",
    name: "example.com",
  });
});

Deno.test("handleQuery() answers a known service with one A record per IP, TTL 5, authoritative, same id", async () => {
  const reply = await ask("api.web.jaco.internal", "A");
  assert.equal(reply.id, 7);
  assert.equal(reply.type, "response");
  assert.equal(reply.rcode, "NOERROR");
  assert.ok(reply.flags & dnsPacket.AUTHORITATIVE_ANSWER);
  assert.deepEqual(reply.answers.map((a: Decoded) => a.data).sort(), ["10.244.0.2", "10.244.2.2"]);
  for (const answer of reply.answers) {
    assert.equal(answer.ttl, 5);
    assert.equal(answer.type, "A");
    assert.equal(answer.name, "api.web.jaco.internal");
  }
  assert.deepEqual((await ask("web-api-1", "A")).answers.map((a: Decoded) => a.data), [
    "10.244.0.2",
  ]);
});

Deno.test("handleQuery() gives NXDOMAIN for unknown in-scope names and NODATA for AAAA/MX of known ones", async () => {
  assert.equal((await ask("nope", "A")).rcode, "NXDOMAIN");
  assert.equal((await ask("nope", "AAAA")).rcode, "NXDOMAIN");
  for (const type of ["AAAA", "MX", "TXT"]) {
    const reply = await ask("api", type);
    assert.equal(reply.rcode, "NOERROR", type);
    assert.equal(reply.answers.length, 0, type);
  }
  const idle = await ask("idle", "A");
  assert.equal(idle.rcode, "NOERROR");
  assert.equal(idle.answers.length, 0);
});

Deno.test("handleQuery() forwards external names: family records, NODATA, NXDOMAIN, SERVFAIL on failure", async () => {
  const asked: string[] = [];
  const found = (name: string) => {
    asked.push(name);
    return Promise.resolve({ a: ["93.184.216.34"], aaaa: [], nxdomain: false });
  };
  const a = await ask("example.com.", "A", found);
  assert.equal(a.rcode, "NOERROR");
  assert.deepEqual(a.answers.map((x: Decoded) => [x.type, x.data, x.ttl]), [
    ["A", "93.184.216.34", 5],
  ]);
  assert.deepEqual(asked, ["example.com"]);
  const aaaa = await ask("example.com", "AAAA", found);
  assert.equal(aaaa.rcode, "NOERROR");
  assert.equal(aaaa.answers.length, 0);
  const mx = await ask("example.com", "MX", found);
  assert.equal(mx.rcode, "NOERROR");
  assert.equal(mx.answers.length, 0);
  const missing = () => Promise.resolve({ a: [], aaaa: [], nxdomain: true });
  assert.equal((await ask("nothing.example", "A", missing)).rcode, "NXDOMAIN");
  assert.equal((await ask("api.other", "A", missing)).rcode, "NXDOMAIN");
  const failing = () => Promise.reject(new Error("every upstream timed out"));
  assert.equal((await ask("example.com", "A", failing)).rcode, "SERVFAIL");
});

Deno.test("handleQuery() answers FORMERR to a request without a question and ignores garbage", async () => {
  const empty = dnsPacket.encode({ type: "query", id: 9, questions: [] });
  const reply = dnsPacket.decode(
    (await handleQuery(empty, answers, "web", () => {
      throw new Error("no");
    }))!,
  );
  assert.equal(reply.rcode, "FORMERR");
  assert.equal(reply.id, 9);
  assert.equal(
    await handleQuery(new Uint8Array([1]), answers, "web", () => {
      throw new Error("no");
    }),
    undefined,
  );
});
