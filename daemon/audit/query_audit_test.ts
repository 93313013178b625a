import assert from "node:assert/strict";
import { isJacoError } from "../../proto/errors.ts";
import { type AuditEvent, AuditEventType, type AuditQueryRequest } from "../../proto/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import { type AuditSource, queryAudit } from "./query_audit.ts";
import { at, AuditFeeder, ns } from "./_fixture_test.ts";

const { AUDIT_EVENT_TYPE_APPLY: apply, AUDIT_EVENT_TYPE_TOKEN_REVOKE: tokenRevoke } =
  AuditEventType;

function request(fields: Partial<AuditQueryRequest> = {}): AuditQueryRequest {
  return { since: undefined, until: undefined, types: [], follow: false, ...fields };
}

async function collect(stream: AsyncIterable<AuditEvent>): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  for await (const event of stream) out.push(event);
  return out;
}

/** Reads `count` events from a stream, then stops it. */
async function take(stream: AsyncIterable<AuditEvent>, count: number): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  if (count === 0) return out;
  for await (const event of stream) {
    out.push(event);
    if (out.length === count) break;
  }
  return out;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("queryAudit() without follow sends the whole history in raft order, then ends", async () => {
  const feeder = new AuditFeeder();
  for (let n = 1; n <= 4; n++) feeder.append({ payload: { n: `${n}` }, ts: at(n) });
  const events = await collect(queryAudit(feeder.state, request(), new AbortController().signal));
  assert.deepEqual(ns(events), ["1:1", "2:2", "3:3", "4:4"]);
});

Deno.test("queryAudit() filters by type, since and until, dropping events without ts", async () => {
  const feeder = new AuditFeeder();
  feeder.append({ type: apply, payload: { n: "a" }, ts: at(1) });
  feeder.append({ type: tokenRevoke, payload: { n: "b" }, ts: at(2) });
  feeder.append({ type: apply, payload: { n: "c" } }); // no ts at all
  feeder.append({ type: apply, payload: { n: "d" }, ts: at(3) });
  feeder.append({ type: apply, payload: { n: "e" }, ts: at(4) });
  const signal = new AbortController().signal;
  const query = (fields: Partial<AuditQueryRequest>) =>
    collect(queryAudit(feeder.state, request(fields), signal)).then(ns);
  assert.deepEqual(await query({ types: [apply] }), ["1:a", "3:c", "4:d", "5:e"]);
  assert.deepEqual(await query({ types: [tokenRevoke, apply], since: at(2) }), [
    "2:b",
    "4:d",
    "5:e",
  ]);
  assert.deepEqual(await query({ until: at(3) }), ["1:a", "2:b", "4:d"]);
  assert.deepEqual(await query({ types: [apply], since: at(2), until: at(3) }), ["4:d"]);
});

Deno.test("queryAudit() rejects an invalid request before sending anything", async () => {
  const feeder = new AuditFeeder();
  feeder.append({ payload: { n: "1" } });
  const stream = queryAudit(
    feeder.state,
    request({ types: [22 as AuditEventType], follow: true }),
    new AbortController().signal,
  );
  await assert.rejects(
    collect(stream),
    (error) => isJacoError(error) && error.code === "validation_failed",
  );
});

Deno.test("queryAudit() with follow sends history, then live events applied concurrently, in order", async () => {
  const feeder = new AuditFeeder();
  feeder.append({ payload: { n: "h1" } });
  feeder.append({ payload: { n: "h2" } });
  const abort = new AbortController();
  const stream = queryAudit(feeder.state, request({ follow: true }), abort.signal);
  const writer = (async () => {
    for (let n = 1; n <= 20; n++) {
      await tick();
      if (n % 5 === 0) feeder.batch([{ payload: { n: `b${n}` } }, { payload: { n: `c${n}` } }]);
      else feeder.append({ payload: { n: `l${n}` } });
    }
  })();
  const events = await take(stream, 26);
  await writer;
  assert.deepEqual(ns(events), ns(feeder.state.view().auditEvents()));
  assert.equal(new Set(ns(events)).size, 26);
});

Deno.test("queryAudit() with follow applies filters to live events too", async () => {
  const feeder = new AuditFeeder();
  feeder.append({ type: apply, payload: { n: "1" }, ts: at(1) });
  const stream = queryAudit(
    feeder.state,
    request({ follow: true, types: [apply], since: at(1) }),
    new AbortController().signal,
  );
  const pending = take(stream, 3);
  await tick();
  feeder.append({ type: tokenRevoke, payload: { n: "2" }, ts: at(2) });
  feeder.append({ type: apply, payload: { n: "3" } });
  feeder.append({ type: apply, payload: { n: "4" }, ts: at(0) });
  feeder.append({ type: apply, payload: { n: "5" }, ts: at(5) });
  feeder.append({ type: apply, payload: { n: "6" }, ts: at(6) });
  assert.deepEqual(ns(await pending), ["1:1", "5:5", "6:6"]);
});

Deno.test("queryAudit() with follow sends an event committed between subscribe and the history read once", async () => {
  const feeder = new AuditFeeder();
  feeder.append({ payload: { n: "1" } });
  // A commit right after the subscription exists and before the log is read: it is both queued
  // live and part of the history read.
  const racing: AuditSource = {
    subscribe: (store, options) => {
      const subscription = feeder.state.subscribe(store, options);
      feeder.append({ payload: { n: "2" } });
      return subscription;
    },
    view: () => feeder.state.view(),
  };
  const stream = queryAudit(racing, request({ follow: true }), new AbortController().signal);
  const pending = take(stream, 3);
  await tick();
  feeder.append({ payload: { n: "3" } });
  assert.deepEqual(ns(await pending), ["1:1", "2:2", "3:3"]);
});

Deno.test("queryAudit() recovers from a queue overflow RESYNC without duplicates or gaps", async () => {
  const feeder = new AuditFeeder();
  feeder.append({ payload: { n: "h" } });
  const stream = queryAudit(feeder.state, request({ follow: true }), new AbortController().signal, {
    queueSize: 2,
  })[Symbol.asyncIterator]();
  assert.deepEqual(ns([(await stream.next()).value]), ["1:h"]);
  // The generator now waits in the live queue: the batch's first event goes straight to it, the
  // queue overflows in the middle of the same raft index (twins included), then more commands.
  const next = stream.next();
  await tick();
  feeder.batch([
    { payload: { n: "a" } },
    { payload: { n: "twin" } },
    { payload: { n: "twin" } },
    { payload: { n: "b" } },
  ]);
  for (let n = 1; n <= 5; n++) feeder.append({ payload: { n: `l${n}` } });
  const events = [(await next).value as AuditEvent];
  while (events.length < 9) events.push((await stream.next()).value as AuditEvent);
  feeder.append({ payload: { n: "after" } });
  events.push((await stream.next()).value as AuditEvent);
  await stream.return?.(undefined);
  assert.deepEqual(ns(events).slice(0, 4), ["2:a", "2:twin", "2:twin", "2:b"]);
  assert.deepEqual(ns(events), ns(feeder.state.view().auditEvents()).slice(1));
});

Deno.test("queryAudit() with a slow reader re-reads after each overflow and loses nothing", async () => {
  const feeder = new AuditFeeder();
  const stream = queryAudit(feeder.state, request({ follow: true }), new AbortController().signal, {
    queueSize: 3,
  });
  const writer = (async () => {
    for (let round = 0; round < 10; round++) {
      for (let n = 0; n < 7; n++) feeder.append({ payload: { n: `${round}.${n}` } });
      await tick();
    }
  })();
  const events: AuditEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    if (events.length % 4 === 0) await tick(); // slower than the writer
    if (events.length === 70) break;
  }
  await writer;
  assert.deepEqual(ns(events), ns(feeder.state.view().auditEvents()));
});

Deno.test("queryAudit() continues after a snapshot restore RESYNC with the restored log's new events", async () => {
  const source = new AuditFeeder();
  for (let n = 1; n <= 3; n++) source.append({ payload: { n: `${n}` } });
  const feeder = new AuditFeeder(new ClusterState());
  feeder.append({ payload: { n: "1" } });
  const stream = queryAudit(feeder.state, request({ follow: true }), new AbortController().signal);
  const pending = take(stream, 4);
  await tick();
  // Install a snapshot that is ahead (what a lagging follower gets from its leader).
  feeder.state.restore(source.state.snapshot(), source.index);
  feeder.index = source.index;
  feeder.append({ payload: { n: "4" } });
  assert.deepEqual(ns(await pending), ["1:1", "2:2", "3:3", "4:4"]);
});

Deno.test("queryAudit() with follow ends when the signal aborts", async () => {
  const feeder = new AuditFeeder();
  feeder.append({ payload: { n: "1" } });
  const abort = new AbortController();
  const stream = queryAudit(feeder.state, request({ follow: true }), abort.signal)[
    Symbol.asyncIterator
  ]();
  assert.equal((await stream.next()).done, false);
  const waiting = stream.next();
  await tick();
  abort.abort();
  assert.deepEqual(await waiting, { value: undefined, done: true });
  feeder.append({ payload: { n: "2" } });
  assert.deepEqual(await stream.next(), { value: undefined, done: true });
});

Deno.test("queryAudit() with an already aborted signal sends nothing", async () => {
  const feeder = new AuditFeeder();
  feeder.append({ payload: { n: "1" } });
  const abort = new AbortController();
  abort.abort();
  for (const follow of [false, true]) {
    assert.deepEqual(
      await collect(queryAudit(feeder.state, request({ follow }), abort.signal)),
      [],
    );
  }
});
