import assert from "node:assert/strict";
import { Rng } from "./rng.ts";

Deno.test("Rng replays the same sequence for the same seed", () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const seqA = Array.from({ length: 20 }, () => a.next());
  assert.deepEqual(seqA, Array.from({ length: 20 }, () => b.next()));
  assert.notDeepEqual(seqA, Array.from({ length: 20 }, () => c.next()));
});

Deno.test("Rng.int() stays within bounds and covers them", () => {
  const rng = new Rng(7);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const v = rng.int(3, 6);
    assert.ok(v >= 3 && v <= 6);
    seen.add(v);
  }
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6]);
});

Deno.test("Rng.fork() gives independent, reproducible streams per label", () => {
  const x = new Rng(1).fork("node:a");
  const y = new Rng(1).fork("node:a");
  const z = new Rng(1).fork("node:b");
  const first = x.next();
  assert.equal(first, y.next());
  assert.notEqual(first, z.next());
});
