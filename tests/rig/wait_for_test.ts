import assert from "node:assert/strict";
import { type WaitClock, waitFor, WaitTimeoutError } from "./wait_for.ts";

/** A clock whose sleep advances time instantly. */
function fakeClock(): WaitClock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

Deno.test("waitFor() returns the first truthy value of the condition", async () => {
  const clock = fakeClock();
  let calls = 0;
  const value = await waitFor(() => ++calls === 3 ? "ready" : undefined, {
    what: "three calls",
    intervalMs: 50,
    clock,
  });
  assert.equal(value, "ready");
  assert.deepEqual(clock.sleeps, [50, 50]);
});

Deno.test("waitFor() names what it awaited and the last error when time runs out", async () => {
  const clock = fakeClock();
  let calls = 0;
  const error = await waitFor(() => {
    calls++;
    throw new Error(`not yet ${calls}`);
  }, { what: "the moon", timeoutMs: 250, intervalMs: 100, clock }).catch((e) => e);
  assert.ok(error instanceof WaitTimeoutError);
  assert.equal(
    error.message,
    "timed out after 250 ms (4 attempts) waiting for the moon; last error: not yet 4",
  );
  assert.equal((error.cause as Error).message, "not yet 4");
  assert.deepEqual(clock.sleeps, [100, 100, 50], "the last sleep stops at the deadline");
});

Deno.test("waitFor() runs the condition once even with a zero timeout", async () => {
  const value = await waitFor(() => 42, { what: "x", timeoutMs: 0, clock: fakeClock() });
  assert.equal(value, 42);
});

Deno.test("waitFor() stops with the abort reason when its signal aborts", async () => {
  const controller = new AbortController();
  let calls = 0;
  const reason = new Error("dockerd exited");
  const waiting = waitFor(() => {
    if (++calls === 2) controller.abort(reason);
    return false;
  }, { what: "never", clock: fakeClock(), signal: controller.signal });
  await assert.rejects(waiting, (error) => error === reason);
  assert.equal(calls, 2);
});
