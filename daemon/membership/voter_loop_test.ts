import assert from "node:assert/strict";
import { startVoterLoop } from "./voter_loop.ts";
import { TickOutcome, type TickResult } from "./voter_reconciler.ts";

/** A reconciler that counts ticks and can hold a tick open until released. */
class CountingReconciler {
  ticks = 0;
  hold: Promise<void> | undefined;
  ticked: (() => void)[] = [];

  async tick(): Promise<TickResult> {
    this.ticks++;
    for (const notify of this.ticked.splice(0)) notify();
    await this.hold;
    return { outcome: TickOutcome.steady };
  }

  /** Resolves on the next tick. */
  next(): Promise<void> {
    return new Promise((resolve) => this.ticked.push(resolve));
  }
}

Deno.test("startVoterLoop() ticks at once, logs its start, and stops on abort", async () => {
  const reconciler = new CountingReconciler();
  const stop = new AbortController();
  const logs: string[] = [];
  const loop = startVoterLoop({
    reconciler,
    signal: stop.signal,
    intervalMs: 60_000,
    log: (_level, message) => logs.push(message),
  });
  await Promise.resolve();
  assert.equal(reconciler.ticks, 1);
  assert.deepEqual(logs, ["membership reconciler started"]);
  stop.abort();
  await loop.done;
  assert.equal(reconciler.ticks, 1, "a long pause ends on abort without another tick");
});

Deno.test("startVoterLoop() ticks again after the interval", async () => {
  const reconciler = new CountingReconciler();
  const stop = new AbortController();
  const loop = startVoterLoop({ reconciler, signal: stop.signal, intervalMs: 5 });
  for (let i = 0; i < 3; i++) await reconciler.next();
  assert.ok(reconciler.ticks >= 3);
  stop.abort();
  await loop.done;
});

Deno.test("startVoterLoop() ticks at once when kicked", async () => {
  const reconciler = new CountingReconciler();
  const stop = new AbortController();
  const loop = startVoterLoop({ reconciler, signal: stop.signal, intervalMs: 60_000 });
  await Promise.resolve();
  const second = reconciler.next();
  loop.kick();
  await second;
  assert.equal(reconciler.ticks, 2);
  stop.abort();
  await loop.done;
});

Deno.test("startVoterLoop() coalesces kicks during a tick into one more tick", async () => {
  const reconciler = new CountingReconciler();
  let release = () => {};
  reconciler.hold = new Promise((resolve) => release = resolve);
  const stop = new AbortController();
  const loop = startVoterLoop({ reconciler, signal: stop.signal, intervalMs: 60_000 });
  await Promise.resolve();
  assert.equal(reconciler.ticks, 1);
  loop.kick();
  loop.kick();
  loop.kick();
  const second = reconciler.next();
  reconciler.hold = undefined;
  release();
  await second;
  // Let the second tick finish and the loop settle into its long pause.
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(reconciler.ticks, 2);
  stop.abort();
  await loop.done;
});

Deno.test("startVoterLoop() keeps running when a tick throws", async () => {
  let ticks = 0;
  const stop = new AbortController();
  const logs: string[] = [];
  const loop = startVoterLoop({
    reconciler: {
      tick: () => {
        ticks++;
        return Promise.reject(new Error("boom"));
      },
    },
    signal: stop.signal,
    intervalMs: 1,
    log: (level, message) => logs.push(`${level} ${message}`),
  });
  while (ticks < 3) await new Promise((resolve) => setTimeout(resolve, 2));
  stop.abort();
  await loop.done;
  assert.ok(logs.includes("error membership reconciler tick failed"));
});
