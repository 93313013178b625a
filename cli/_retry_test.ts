import assert from "node:assert/strict";
import { GrpcStatus, JacoError } from "../proto/errors.ts";
import { errorFromGrpcStatus } from "../proto/mod.ts";
import { EndpointsExhaustedError, isRetryable, withFailover } from "./_retry.ts";
import { TransportError } from "./_rpc_transport.ts";

const transport = (status: GrpcStatus, message = "14 UNAVAILABLE: No connection established") =>
  new TransportError(status, message, { endpoint: "tcp n1:7000" });

Deno.test("isRetryable() follows errors.md §2: Unavailable, DeadlineExceeded, no_leader", () => {
  assert.equal(isRetryable(transport(GrpcStatus.UNAVAILABLE)), true);
  assert.equal(isRetryable(transport(GrpcStatus.DEADLINE_EXCEEDED, "4 DEADLINE_EXCEEDED")), true);
  assert.equal(isRetryable(new JacoError("no_leader", "election in progress")), true);
  assert.equal(isRetryable(new JacoError("quorum_lost", "minority side")), true);
  assert.equal(isRetryable(new JacoError("drain_cancelled", "drain cancelled")), true);
  assert.equal(
    isRetryable(new JacoError("internal", "forward failed: no_leader", { reason: "x" })),
    true,
  );
  assert.equal(isRetryable(transport(GrpcStatus.UNKNOWN, "2 UNKNOWN: no_leader")), true);
  // An untyped UNAVAILABLE status folded into `internal` by errorFromGrpcStatus.
  assert.equal(isRetryable(errorFromGrpcStatus({ code: 14, details: "connection reset" })), true);
});

Deno.test("isRetryable() treats everything else as final", () => {
  assert.equal(isRetryable(new JacoError("token_invalid", "unknown token")), false);
  assert.equal(isRetryable(new JacoError("validation_failed", "bad", { field: "x" })), false);
  assert.equal(isRetryable(new JacoError("deployment_not_found", "no web")), false);
  assert.equal(
    isRetryable(transport(GrpcStatus.CANCELLED, "1 CANCELLED: Cancelled on client")),
    false,
  );
  assert.equal(isRetryable(transport(GrpcStatus.UNIMPLEMENTED, "12 UNIMPLEMENTED")), false);
  assert.equal(isRetryable(errorFromGrpcStatus({ code: 13, details: "boom" })), false);
  assert.equal(isRetryable(new Error("ca cert not found at /x")), false);
  assert.equal(isRetryable("string"), false);
});

Deno.test("withFailover() moves on after a retryable failure and returns the first success", async () => {
  const tried: string[] = [];
  const retried: string[] = [];
  const answer = await withFailover(["a", "b", "c"], (endpoint) => {
    tried.push(endpoint);
    if (endpoint === "a") return Promise.reject(transport(GrpcStatus.UNAVAILABLE));
    if (endpoint === "b") return Promise.reject(new JacoError("no_leader", "not the leader"));
    return Promise.resolve(`joined via ${endpoint}`);
  }, { onRetry: ({ endpoint }) => retried.push(endpoint) });
  assert.equal(answer, "joined via c");
  assert.deepEqual(tried, ["a", "b", "c"]);
  assert.deepEqual(retried, ["a", "b"]);
});

Deno.test("withFailover() stops at a final failure", async () => {
  const tried: string[] = [];
  const final = new JacoError("join_token_invalid", "join token is not valid");
  await assert.rejects(
    withFailover(["a", "b"], (endpoint) => {
      tried.push(endpoint);
      return Promise.reject(final);
    }),
    (error) => error === final,
  );
  assert.deepEqual(tried, ["a"]);
});

Deno.test("withFailover() lists every endpoint when all fail on transport errors", async () => {
  const error = await withFailover(["n1:7000", "n2:7000"], (endpoint) =>
    Promise.reject(
      endpoint === "n1:7000"
        ? transport(GrpcStatus.UNAVAILABLE, "14 UNAVAILABLE: connect ECONNREFUSED")
        : new JacoError("no_leader", "no leader elected yet"),
    )).then(() => assert.fail("expected a failure"), (error: unknown) => error);
  assert.ok(error instanceof EndpointsExhaustedError);
  assert.equal(
    error.message,
    "Connection error: n1:7000: 14 UNAVAILABLE: connect ECONNREFUSED\n" +
      "Connection error: n2:7000: no_leader: no leader elected yet",
  );
  assert.equal(error.failures.length, 2);
});

Deno.test("withFailover() rethrows the last typed error when every failure was typed", async () => {
  const last = new JacoError("no_leader", "still electing");
  await assert.rejects(
    withFailover(
      ["a", "b"],
      (endpoint) =>
        Promise.reject(endpoint === "a" ? new JacoError("quorum_lost", "minority") : last),
    ),
    (error) => error === last,
  );
  const lone = transport(GrpcStatus.UNAVAILABLE);
  await assert.rejects(withFailover(["a"], () => Promise.reject(lone)), (error) => error === lone);
});

Deno.test("withFailover() makes several passes with a pause between them", async () => {
  const slept: number[] = [];
  const tried: string[] = [];
  const answer = await withFailover(["a", "b"], (endpoint) => {
    tried.push(endpoint);
    return tried.length < 4
      ? Promise.reject(new JacoError("no_leader", "electing"))
      : Promise.resolve(endpoint);
  }, {
    rounds: 3,
    pauseMs: 250,
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
  });
  assert.equal(answer, "b");
  assert.deepEqual(tried, ["a", "b", "a", "b"]);
  assert.deepEqual(slept, [250]);
});

Deno.test("withFailover() stops moving on once the caller aborted", async () => {
  const controller = new AbortController();
  const tried: string[] = [];
  const first = transport(GrpcStatus.UNAVAILABLE);
  await assert.rejects(
    withFailover(["a", "b", "c"], (endpoint) => {
      tried.push(endpoint);
      controller.abort();
      return Promise.reject(first);
    }, { signal: controller.signal }),
    (error) => error === first,
  );
  assert.deepEqual(tried, ["a"]);
  await assert.rejects(withFailover([], () => Promise.resolve(1)), RangeError);
});
