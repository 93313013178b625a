import assert from "node:assert/strict";
import { JacoError } from "../proto/errors.ts";
import { type AuditEvent, AuditEventType, AuditQueryRequest, methodByPath } from "../proto/mod.ts";
import type { CommandEntry } from "./_command.ts";
import { memoryIo } from "./_io.ts";
import { runCli } from "./_run.ts";
import {
  AuditFlagError,
  auditObject,
  auditTableHeader,
  auditTableRow,
  createAuditCommand,
  formatPayload,
  type Interrupt,
  parseAuditTypes,
  parseTimeBound,
} from "./audit.ts";

const T = AuditEventType;
const at = (second: number) => new Date(Date.UTC(2026, 5, 1, 12, 0, second));
const now = () => at(0);

const events: AuditEvent[] = [
  {
    raftIndex: 7,
    type: T.AUDIT_EVENT_TYPE_TOKEN_REVOKE,
    identity: "alice",
    ts: at(5),
    payload: { identity: "bob" },
  },
  {
    raftIndex: 9,
    type: T.AUDIT_EVENT_TYPE_CERTIFICATE_FAILED,
    identity: "ingress",
    ts: at(9),
    payload: {
      reason: "rate limited",
      domain: "a.example",
      failure_class: "rate_limit",
      acme_environment: "prod",
    },
  },
  {
    raftIndex: 12,
    type: T.AUDIT_EVENT_TYPE_BACKUP_TAKEN,
    identity: "",
    ts: undefined,
    payload: {},
  },
];

// Golden table lines, as `printf "%-32s %-26s %-20s %s\n"` prints them.
const tableGolden = [
  "TYPE                             TS                         IDENTITY             PAYLOAD",
  "TOKEN_REVOKE                     2026-06-01T12:00:05Z       alice                identity=bob",
  "CERTIFICATE_FAILED               2026-06-01T12:00:09Z       ingress              " +
  'acme_environment=prod domain=a.example failure_class=rate_limit reason="rate limited"',
  "BACKUP_TAKEN                                                                     ",
].map((line) => `${line}\n`).join("");

Deno.test("parseAuditTypes() takes comma lists and repeats of short or full names in any case", () => {
  assert.deepEqual(
    parseAuditTypes(["token_revoke,REBALANCE_MOVED", " audit_event_type_apply ,", "Token_Revoke"]),
    [T.AUDIT_EVENT_TYPE_TOKEN_REVOKE, T.AUDIT_EVENT_TYPE_REBALANCE_MOVED, T.AUDIT_EVENT_TYPE_APPLY],
  );
  assert.deepEqual(parseAuditTypes([]), []);
});

Deno.test("parseAuditTypes() rejects unknown, unspecified and retired names with the spec's message", () => {
  for (
    const name of ["bogus", "unspecified", "rebalance_dry_run", "UNRECOGNIZED", "AUDIT_EVENT_TYPE_"]
  ) {
    assert.throws(
      () => parseAuditTypes([`apply,${name}`]),
      (error) =>
        error instanceof AuditFlagError && error.flag === "--type" && error.value === name &&
        error.message === `--type: unknown audit type "${name}"`,
    );
  }
});

Deno.test("parseTimeBound() subtracts Go durations and whole days from now", () => {
  const secondsAgo = (text: string) =>
    (now().getTime() - parseTimeBound("--since", text, now).getTime()) / 1000;
  assert.equal(secondsAgo("90s"), 90);
  assert.equal(secondsAgo("1h30m"), 5400);
  assert.equal(secondsAgo("250ms"), 0.25);
  assert.equal(secondsAgo("0"), 0);
  assert.equal(secondsAgo("7d"), 7 * 86400);
  assert.equal(secondsAgo("1d12h"), 36 * 3600);
});

Deno.test("parseTimeBound() takes an RFC 3339 time as is", () => {
  assert.deepEqual(
    parseTimeBound("--since", "2026-05-31T10:00:00Z", now),
    new Date(Date.UTC(2026, 4, 31, 10)),
  );
  assert.deepEqual(
    parseTimeBound("--until", "2026-05-31T12:00:00+02:00", now),
    new Date(Date.UTC(2026, 4, 31, 10)),
  );
});

Deno.test("parseTimeBound() rejects anything else as an invalid duration naming the flag", () => {
  for (const text of ["yesterday", "5", "-5m", "1.5d", "d", "", "2026-13-01T00:00:00Z"]) {
    assert.throws(
      () => parseTimeBound("--until", text, now),
      (error) =>
        error instanceof AuditFlagError && error.message === `--until: invalid duration "${text}"`,
    );
  }
});

Deno.test("formatPayload() sorts keys and quotes values that would be ambiguous", () => {
  assert.equal(formatPayload({ b: "2", a: "1" }), "a=1 b=2");
  assert.equal(
    formatPayload({ s: "a b", e: "x=y", q: 'say "hi"', n: "1\n2", z: "" }),
    'e="x=y" n="1\\n2" q="say \\"hi\\"" s="a b" z=""',
  );
  assert.equal(formatPayload({}), "");
});

Deno.test("auditTableRow() prints the fixed-width golden rows", () => {
  assert.equal(auditTableHeader + events.map(auditTableRow).join(""), tableGolden);
});

Deno.test("auditObject() orders fields and omits unset identity, ts and payload", () => {
  assert.deepEqual(
    JSON.stringify(auditObject(events[0])),
    '{"type":"token_revoke","identity":"alice","ts":"2026-06-01T12:00:05Z","raft_index":7,"payload":{"identity":"bob"}}',
  );
  assert.deepEqual(
    JSON.stringify(auditObject(events[2])),
    '{"type":"backup_taken","raft_index":12}',
  );
  assert.equal(auditObject({ ...events[2], type: T.UNRECOGNIZED }).type, "unrecognized");
});

// A daemon side of the fixed local JSON shape (i4_common): POST /jaco.v1.Audit/Query, proto3
// JSON request, NDJSON answer, a final {"error":…} line on a late failure.
type AuditHandler = (request: AuditQueryRequest, signal: AbortSignal) => AsyncIterable<AuditEvent>;

async function serveAudit(handler: AuditHandler) {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/jaco.sock`;
  const requests: AuditQueryRequest[] = [];
  const cancelled = Promise.withResolvers<void>();
  const server = Deno.serve({ transport: "unix", path, onListen() {} }, async (request) => {
    const route = new URL(request.url).pathname;
    const method = methodByPath(route);
    if (route !== "/jaco.v1.Audit/Query" || !method) return new Response("no", { status: 404 });
    const query = AuditQueryRequest.fromJSON(await request.json());
    requests.push(query);
    // The client going away cancels the body stream: that is the handler's abort signal.
    const gone = new AbortController();
    const iterator = handler(query, gone.signal)[Symbol.asyncIterator]();
    const encoder = new TextEncoder();
    let first: IteratorResult<AuditEvent> | undefined;
    try {
      first = await iterator.next();
    } catch (error) {
      if (!(error instanceof JacoError)) throw error;
      return Response.json(error.toJSON(), { status: 400 });
    }
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = first ?? await iterator.next();
          first = undefined;
          if (next.done) return controller.close();
          controller.enqueue(
            encoder.encode(`${JSON.stringify(method.responseType.toJSON(next.value))}\n`),
          );
        } catch (error) {
          assert.ok(error instanceof JacoError);
          controller.enqueue(encoder.encode(`${JSON.stringify({ error: error.toJSON() })}\n`));
          controller.close();
        }
      },
      async cancel() {
        gone.abort();
        cancelled.resolve();
        await iterator.return?.();
      },
    });
    return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
  });
  return {
    path,
    requests,
    cancelled: cancelled.promise,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function* sendAll(list: AuditEvent[] = events): AsyncIterable<AuditEvent> {
  yield* list;
}

function fakeInterrupt(): Interrupt & { fire(): void; disposed: boolean } {
  const controller = new AbortController();
  const fake = {
    signal: controller.signal,
    disposed: false,
    fire: () => controller.abort(),
    dispose: () => void (fake.disposed = true),
  };
  return fake;
}

async function jaco(argv: string[], interrupt = fakeInterrupt()) {
  const command = createAuditCommand({ now, interrupt: () => interrupt });
  const commands: CommandEntry[] = [{
    path: ["audit"],
    summary: "audit",
    load: () => Promise.resolve(command),
  }];
  const io = memoryIo();
  const code = await runCli({ argv: ["audit", ...argv], io, commands, version: "v0" });
  return { code, out: io.out, err: io.err, io };
}

Deno.test("jaco audit sends the parsed filters and prints the golden table", async () => {
  await using api = await serveAudit(() => sendAll());
  const run = await jaco([
    "--socket",
    api.path,
    "--since",
    "1h30m",
    "--type",
    "token_revoke,CERTIFICATE_FAILED",
    "--type",
    "backup_taken",
  ]);
  assert.deepEqual(run, { code: 0, out: tableGolden, err: "", io: run.io });
  assert.deepEqual(api.requests, [{
    since: new Date(now().getTime() - 5400_000),
    until: undefined,
    types: [
      T.AUDIT_EVENT_TYPE_TOKEN_REVOKE,
      T.AUDIT_EVENT_TYPE_CERTIFICATE_FAILED,
      T.AUDIT_EVENT_TYPE_BACKUP_TAKEN,
    ],
    follow: false,
  }]);
});

Deno.test("jaco audit prints only the header when nothing matches", async () => {
  await using api = await serveAudit(() => sendAll([]));
  const run = await jaco(["--socket", api.path, "--until", "2026-06-01T00:00:00Z"]);
  assert.equal(run.code, 0);
  assert.equal(run.out, auditTableHeader);
  assert.deepEqual(api.requests[0].until, new Date(Date.UTC(2026, 5, 1)));
});

Deno.test("jaco audit -o json prints one pretty array, [] when empty", async () => {
  await using api = await serveAudit((request) =>
    sendAll(request.types.length ? [] : events.slice(0, 2))
  );
  const run = await jaco(["--socket", api.path, "-o", "json"]);
  assert.equal(run.code, 0);
  assert.equal(
    run.out,
    `[
  {
    "type": "token_revoke",
    "identity": "alice",
    "ts": "2026-06-01T12:00:05Z",
    "raft_index": 7,
    "payload": {
      "identity": "bob"
    }
  },
  {
    "type": "certificate_failed",
    "identity": "ingress",
    "ts": "2026-06-01T12:00:09Z",
    "raft_index": 9,
    "payload": {
      "acme_environment": "prod",
      "domain": "a.example",
      "failure_class": "rate_limit",
      "reason": "rate limited"
    }
  }
]
`,
  );
  const empty = await jaco(["--socket", api.path, "-o", "json", "--type", "apply"]);
  assert.equal(empty.out, "[]\n");
});

Deno.test("jaco audit -o yaml prints one sequence", async () => {
  await using api = await serveAudit(() => sendAll([events[0], events[2]]));
  const run = await jaco(["--socket", api.path, "-o", "yaml"]);
  assert.equal(run.code, 0);
  assert.equal(
    run.out,
    `- type: token_revoke
  identity: alice
  ts: 2026-06-01T12:00:05Z
  raft_index: 7
  payload:
    identity: bob
- type: backup_taken
  raft_index: 12
`,
  );
});

/** A follow stream: the events, then open until the client goes away. */
function followThenHold(list: AuditEvent[]): AuditHandler {
  return async function* (_request, signal) {
    yield* list;
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
  };
}

async function untilOutput(io: { out: string }, lines: number): Promise<void> {
  while (io.out.split("\n").length <= lines) await new Promise((resolve) => setTimeout(resolve, 5));
}

Deno.test("jaco audit -f -o json prints NDJSON and exits 0 on Ctrl-C", async () => {
  await using api = await serveAudit(followThenHold(events.slice(0, 2)));
  const interrupt = fakeInterrupt();
  const command = createAuditCommand({ now, interrupt: () => interrupt });
  const io = memoryIo();
  const running = runCli({
    argv: ["audit", "-f", "--socket", api.path, "-o", "json"],
    io,
    commands: [{ path: ["audit"], summary: "audit", load: () => Promise.resolve(command) }],
    version: "v0",
  });
  await untilOutput(io, 2);
  interrupt.fire();
  assert.equal(await running, 0);
  await api.cancelled;
  assert.equal(api.requests[0].follow, true);
  assert.equal(interrupt.disposed, true);
  assert.equal(
    io.out,
    '{"type":"token_revoke","identity":"alice","ts":"2026-06-01T12:00:05Z","raft_index":7,"payload":{"identity":"bob"}}\n' +
      '{"type":"certificate_failed","identity":"ingress","ts":"2026-06-01T12:00:09Z","raft_index":9,"payload":{"acme_environment":"prod","domain":"a.example","failure_class":"rate_limit","reason":"rate limited"}}\n',
  );
  assert.equal(io.err, "");
});

Deno.test("jaco audit -f -o yaml separates one document per event with ---", async () => {
  await using api = await serveAudit(() => sendAll([events[0], events[2]]));
  const run = await jaco(["--follow", "--socket", api.path, "-o", "yaml"]);
  assert.equal(run.code, 0);
  assert.equal(
    run.out,
    `type: token_revoke
identity: alice
ts: 2026-06-01T12:00:05Z
raft_index: 7
payload:
  identity: bob
---
type: backup_taken
raft_index: 12
`,
  );
});

Deno.test("jaco audit -f in a table streams rows as they come", async () => {
  await using api = await serveAudit(() => sendAll());
  const run = await jaco(["-f", "--socket", api.path]);
  assert.deepEqual([run.code, run.out], [0, tableGolden]);
});

Deno.test("jaco audit rejects bad --type and --since values before dialing", async () => {
  await using api = await serveAudit(() => sendAll());
  const badType = await jaco(["--socket", api.path, "--type", "apply,bogus"]);
  assert.deepEqual([badType.code, badType.out, badType.err], [
    1,
    "",
    '--type: unknown audit type "bogus"\n',
  ]);
  const badSince = await jaco(["--socket", api.path, "--since", "yesterday"]);
  assert.deepEqual([badSince.code, badSince.err], [1, '--since: invalid duration "yesterday"\n']);
  const badUntil = await jaco(["--socket", api.path, "--until", "5"]);
  assert.deepEqual([badUntil.code, badUntil.err], [1, '--until: invalid duration "5"\n']);
  assert.deepEqual(api.requests, []);
});

Deno.test("jaco audit refuses unknown flags, missing values and arguments", async () => {
  const unknown = await jaco(["--bogus"]);
  assert.deepEqual([unknown.code, unknown.err], [
    1,
    'unknown flag --bogus for "jaco audit"; run "jaco audit --help"\n',
  ]);
  const missing = await jaco(["--since"]);
  assert.deepEqual([missing.code, missing.err], [
    1,
    'flag --since needs a value for "jaco audit"; run "jaco audit --help"\n',
  ]);
  const extra = await jaco(["apply"]);
  assert.equal(extra.code, 1);
  assert.match(extra.err, /^"jaco audit" takes 0 argument\(s\), got 1: jaco audit/);
});

Deno.test("jaco audit renders a typed daemon error and leaves stdout empty", async () => {
  await using api = await serveAudit(async function* () {
    yield* [];
    throw new JacoError("validation_failed", "types: unknown audit type 99");
  });
  const run = await jaco(["--socket", api.path]);
  assert.deepEqual([run.code, run.out, run.err], [
    1,
    "",
    "Error: validation_failed: types: unknown audit type 99\n",
  ]);
});

Deno.test("jaco audit prints rows sent before a mid-stream error, then fails", async () => {
  await using api = await serveAudit(async function* () {
    yield events[0];
    throw new JacoError("state_unavailable", "daemon shutting down");
  });
  const run = await jaco(["--socket", api.path]);
  assert.equal(run.code, 1);
  assert.equal(run.out, tableGolden.split("\n").slice(0, 2).join("\n") + "\n");
  assert.equal(run.err, "Error: state_unavailable: daemon shutting down\n");
});
