import assert from "node:assert/strict";
import { CoalescedPass } from "./coalesced_pass.ts";

function gate(): { promise: Promise<void>; open(): void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => open = resolve);
  return { promise, open };
}

Deno.test("CoalescedPass never overlaps passes and turns triggers during one into one more", async () => {
  const first = gate();
  let passes = 0;
  let active = 0;
  let maxActive = 0;
  const done: (() => void)[] = [];
  const runner = new CoalescedPass({
    debounceMs: 1,
    onError: (error) => assert.fail(String(error)),
    pass: async () => {
      passes++;
      active++;
      maxActive = Math.max(maxActive, active);
      if (passes === 1) await first.promise;
      active--;
      done.shift()?.();
    },
  });
  const second = new Promise<void>((resolve) => done.push(() => {}, resolve));
  runner.trigger();
  runner.trigger();
  runner.schedule();
  runner.trigger();
  first.open();
  await second;
  await runner.stop();
  assert.equal(passes, 2);
  assert.equal(maxActive, 1);
});

Deno.test("CoalescedPass.schedule() debounces a burst into one pass", async () => {
  let passes = 0;
  let notify = () => {};
  const ran = new Promise<void>((resolve) => notify = resolve);
  const runner = new CoalescedPass({
    debounceMs: 20,
    onError: (error) => assert.fail(String(error)),
    pass: () => {
      passes++;
      notify();
      return Promise.resolve();
    },
  });
  for (let i = 0; i < 10; i++) runner.schedule();
  await ran;
  await new Promise((resolve) => setTimeout(resolve, 40));
  await runner.stop();
  assert.equal(passes, 1);
});

Deno.test("CoalescedPass reports a failed pass, keeps going, and stops on stop() or abort", async () => {
  const errors: string[] = [];
  let passes = 0;
  const controller = new AbortController();
  const runner = new CoalescedPass({
    debounceMs: 1,
    signal: controller.signal,
    onError: (error) => errors.push((error as Error).message),
    pass: () => {
      passes++;
      return passes === 1 ? Promise.reject(new Error("boom")) : Promise.resolve();
    },
  });
  runner.trigger();
  await new Promise((resolve) => setTimeout(resolve, 5));
  runner.trigger();
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(errors, ["boom"]);
  assert.equal(passes, 2);
  controller.abort();
  runner.trigger();
  runner.schedule();
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(passes, 2);
  assert.equal(runner.stopped, true);
  await runner.stop();
});
