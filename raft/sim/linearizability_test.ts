import assert from "node:assert/strict";
import {
  checkLinearizable,
  type HistoryOp,
  type KvOutput,
  stepRegister,
} from "./linearizability.ts";

const never = Infinity;

function put(
  clientId: number,
  key: string,
  value: string,
  [invokeMs, completeMs]: [number, number],
): HistoryOp {
  return { clientId, op: "put", input: { key, value }, output: null, invokeMs, completeMs };
}

function get(
  clientId: number,
  key: string,
  output: string | null,
  [invokeMs, completeMs]: [number, number],
): HistoryOp {
  return { clientId, op: "get", input: { key }, output, invokeMs, completeMs };
}

function cas(
  clientId: number,
  key: string,
  [expected, value]: [string | null, string],
  output: boolean,
  [invokeMs, completeMs]: [number, number],
): HistoryOp {
  return { clientId, op: "cas", input: { key, expected, value }, output, invokeMs, completeMs };
}

Deno.test("checkLinearizable() accepts the empty history", () => {
  assert.equal(checkLinearizable([]).outcome, "linearizable");
});

Deno.test("checkLinearizable() accepts sequential put/get/cas", () => {
  const result = checkLinearizable([
    get(1, "x", null, [0, 1]),
    put(1, "x", "a", [2, 3]),
    cas(2, "x", ["a", "b"], true, [4, 5]),
    cas(1, "x", ["a", "c"], false, [6, 7]),
    get(2, "x", "b", [8, 9]),
  ]);
  assert.equal(result.ok, true);
  assert.equal(result.outcome, "linearizable");
});

Deno.test("checkLinearizable() accepts a read concurrent with a write seeing either value", () => {
  for (const seen of [null, "a"]) {
    const result = checkLinearizable([put(1, "x", "a", [0, 10]), get(2, "x", seen, [2, 5])]);
    assert.equal(result.outcome, "linearizable", `read of ${seen}`);
  }
});

Deno.test("checkLinearizable() accepts overlapping writes read in an order consistent with both", () => {
  const result = checkLinearizable([
    put(1, "x", "a", [0, 10]),
    put(2, "x", "b", [0, 10]),
    get(3, "x", "b", [1, 3]),
    get(3, "x", "a", [4, 6]),
    get(4, "x", "a", [11, 12]),
  ]);
  assert.equal(result.outcome, "linearizable");
});

Deno.test("checkLinearizable() treats touching intervals as concurrent", () => {
  const result = checkLinearizable([put(1, "x", "a", [0, 5]), get(2, "x", null, [5, 6])]);
  assert.equal(result.outcome, "linearizable");
});

Deno.test("checkLinearizable() lets an indeterminate write take effect late or never", () => {
  const late = checkLinearizable([
    put(1, "x", "a", [0, never]),
    get(2, "x", null, [5, 6]),
    get(2, "x", "a", [100, 101]),
  ]);
  assert.equal(late.outcome, "linearizable");
  const neverApplied = checkLinearizable([
    put(1, "x", "a", [0, never]),
    get(2, "x", null, [5, 6]),
    get(2, "x", null, [100, 101]),
  ]);
  assert.equal(neverApplied.outcome, "linearizable");
});

Deno.test("checkLinearizable() ignores the output of indeterminate ops", () => {
  const result = checkLinearizable([
    { ...cas(1, "x", [null, "a"], false, [0, 0]), completeMs: never },
    get(2, "x", "a", [3, 4]),
    { ...get(3, "x", "zzz", [0, 0]), completeMs: never },
  ]);
  assert.equal(result.outcome, "linearizable");
});

Deno.test("checkLinearizable() rejects a stale read after a completed write", () => {
  const result = checkLinearizable([
    put(1, "x", "a", [0, 1]),
    put(1, "x", "b", [2, 3]),
    get(2, "x", "a", [4, 5]),
  ]);
  assert.equal(result.ok, false);
  assert.equal(result.outcome, "violation");
  assert.equal(result.failingKey, "x");
  assert.match(result.explanation!, /get\(x\) → "a"/);
});

Deno.test("checkLinearizable() rejects two readers observing writes in opposite orders", () => {
  const result = checkLinearizable([
    put(1, "x", "a", [0, 20]),
    put(2, "x", "b", [0, 20]),
    get(3, "x", "a", [1, 4]),
    get(3, "x", "b", [5, 8]),
    get(4, "x", "b", [1, 4]),
    get(4, "x", "a", [5, 8]),
  ]);
  assert.equal(result.outcome, "violation");
});

Deno.test("checkLinearizable() rejects a lost update via cas", () => {
  // Both increments claim success from the same starting value.
  const result = checkLinearizable([
    put(1, "x", "0", [0, 1]),
    cas(1, "x", ["0", "1"], true, [2, 10]),
    cas(2, "x", ["0", "1"], true, [2, 10]),
  ]);
  assert.equal(result.outcome, "violation");
});

Deno.test("checkLinearizable() rejects a read of a value never written", () => {
  const result = checkLinearizable([put(1, "x", "a", [0, 10]), get(2, "x", "ghost", [1, 2])]);
  assert.equal(result.outcome, "violation");
});

Deno.test("checkLinearizable() rejects a read of a write that was not yet invoked", () => {
  const result = checkLinearizable([get(1, "x", "a", [0, 2]), put(2, "x", "a", [3, 4])]);
  assert.equal(result.outcome, "violation");
  const indeterminate = checkLinearizable([get(1, "x", "a", [0, 2]), put(2, "x", "a", [3, never])]);
  assert.equal(indeterminate.outcome, "violation");
});

Deno.test("checkLinearizable() checks keys independently and names the failing one", () => {
  const result = checkLinearizable([
    put(1, "x", "a", [0, 1]),
    get(2, "x", "a", [2, 3]),
    put(1, "y", "a", [0, 1]),
    get(2, "y", null, [2, 3]),
  ]);
  assert.equal(result.failingKey, "y");
  // The same values interleaved across keys do not leak into each other.
  const mixed = checkLinearizable([
    put(1, "x", "a", [0, 1]),
    put(2, "y", "b", [0, 1]),
    get(3, "x", "a", [2, 3]),
    get(3, "y", "b", [2, 3]),
    get(4, "z", null, [2, 3]),
  ]);
  assert.equal(mixed.outcome, "linearizable");
});

Deno.test("checkLinearizable() reports unknown, not a violation, when the budget runs out", () => {
  const ops: HistoryOp[] = [];
  for (let i = 0; i < 12; i++) ops.push(put(i, "x", `v${i}`, [0, 100]));
  ops.push(get(99, "x", "nothing-wrote-this", [0, 100]));
  const result = checkLinearizable(ops, { maxSteps: 500 });
  assert.equal(result.ok, false);
  assert.equal(result.outcome, "unknown");
  assert.equal(result.failingKey, "x");
  assert.equal(checkLinearizable(ops).outcome, "violation");
});

Deno.test("checkLinearizable() handles a long concurrent history quickly", () => {
  // Many clients, each writing then reading its own value back while the others overlap.
  const ops: HistoryOp[] = [];
  for (let round = 0; round < 50; round++) {
    const base = round * 10;
    for (let client = 0; client < 5; client++) {
      ops.push(put(client, "k", `r${round}c${client}`, [base, base + 4]));
    }
    ops.push(get(9, "k", `r${round}c4`, [base + 5, base + 6]));
  }
  const result = checkLinearizable(ops);
  assert.equal(result.outcome, "linearizable");
  assert.ok(result.steps < 100_000, `steps ${result.steps}`);
});

/** A small seeded generator (mulberry32) so the differential test is reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Does some subset of the indeterminate ops, in some real-time-respecting order, explain every output? */
function bruteForce(history: readonly HistoryOp[]): boolean {
  const optional = history.flatMap((op, i) => Number.isFinite(op.completeMs) ? [] : [i]);
  for (let mask = 0; mask < 1 << optional.length; mask++) {
    const dropped = new Set(optional.filter((_, bit) => (mask & (1 << bit)) === 0));
    const ops = history.filter((_, i) => !dropped.has(i));
    if (anyOrder(ops, new Map())) return true;
  }
  return false;
}

function anyOrder(
  remaining: readonly HistoryOp[],
  state: ReadonlyMap<string, string | null>,
): boolean {
  if (remaining.length === 0) return true;
  for (const candidate of remaining) {
    const others = remaining.filter((op) => op !== candidate);
    // Something still pending finished before the candidate began: it must come first.
    if (others.some((op) => op.completeMs < candidate.invokeMs)) continue;
    const { legal, next } = stepRegister(state.get(candidate.input.key) ?? null, candidate);
    if (!legal) continue;
    const after = new Map(state).set(candidate.input.key, next);
    if (anyOrder(others, after)) return true;
  }
  return false;
}

function randomHistory(random: () => number): HistoryOp[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const keys = random() < 0.5 ? ["x"] : ["x", "y"];
  const values = ["a", "b", "c"];
  const count = 1 + Math.floor(random() * 7);
  const ops: HistoryOp[] = [];
  for (let i = 0; i < count; i++) {
    const invokeMs = Math.floor(random() * 10);
    const completeMs = random() < 0.15 ? never : invokeMs + Math.floor(random() * 6);
    const key = pick(keys);
    const kind = pick(["put", "get", "cas"] as const);
    const input = kind === "put"
      ? { key, value: pick(values) }
      : kind === "cas"
      ? { key, expected: pick([null, ...values]), value: pick(values) }
      : { key };
    ops.push({ clientId: i, op: kind, input, invokeMs, completeMs });
  }
  // Half the histories get outputs from a real sequential execution (so they
  // are linearizable, bar indeterminacy), the rest random outputs.
  if (random() < 0.5) {
    const state = new Map<string, string | null>();
    const points = ops.map((op) => ({
      op,
      at: op.invokeMs + random() * (Math.min(op.completeMs, op.invokeMs + 10) - op.invokeMs),
    }));
    for (const { op } of points.sort((a, b) => a.at - b.at)) {
      const before = state.get(op.input.key) ?? null;
      const { next } = stepRegister(before, { ...op, completeMs: never });
      const swaps = before === (op.input.expected ?? null);
      op.output = op.op === "get" ? before : op.op === "cas" ? swaps : null;
      state.set(op.input.key, next);
    }
  } else {
    for (const op of ops) {
      const output: KvOutput = op.op === "get"
        ? pick([null, ...values])
        : op.op === "cas"
        ? random() < 0.5
        : null;
      op.output = output;
    }
  }
  return ops;
}

Deno.test("checkLinearizable() agrees with a brute-force search on random tiny histories", () => {
  const random = seeded(20261122);
  const verdicts = { linearizable: 0, violation: 0 };
  for (let i = 0; i < 4000; i++) {
    const history = randomHistory(random);
    const expected = bruteForce(history);
    const actual = checkLinearizable(history);
    assert.notEqual(actual.outcome, "unknown");
    assert.equal(
      actual.ok,
      expected,
      `history #${i} disagrees:\n${JSON.stringify(history, null, 1)}`,
    );
    verdicts[actual.outcome as "linearizable" | "violation"]++;
  }
  // The generator must exercise both verdicts for the comparison to mean anything.
  assert.ok(verdicts.linearizable > 500, `linearizable ${verdicts.linearizable}`);
  assert.ok(verdicts.violation > 500, `violations ${verdicts.violation}`);
});
