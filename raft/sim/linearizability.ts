/**
 * A linearizability checker for key-value histories: the Wing–Gong search as
 * refined by Lowe (WGL), with the memoization and linked-list undo popularised
 * by porcupine, and P-compositionality: a history is linearizable iff the
 * sub-history of every key is, so each key is searched on its own.
 *
 * Model: one register per key, initially absent (`null`), with `put(k, v)`,
 * `get(k) → v | null` and `cas(k, expected, next) → ok` (`expected: null`
 * means "only if absent").
 *
 * Operations whose outcome is unknown (the client timed out) are recorded with
 * `completeMs = Infinity`; they may take effect at any point after their
 * invocation, or never (taking effect after everything else is observably the
 * same as never). Their `output` is ignored. Such `get`s constrain nothing and
 * are dropped before the search.
 *
 * Real-time order: A precedes B iff `A.completeMs < B.invokeMs`; operations
 * whose intervals touch are concurrent (the conservative reading for a
 * simulation with millisecond-granular virtual time).
 *
 * @module
 */

/** The kinds of key-value operation. */
export const KvOpKind = { put: "put", get: "get", cas: "cas" } as const;
/** One {@link KvOpKind} value. */
export type KvOpKind = typeof KvOpKind[keyof typeof KvOpKind];

/** Arguments of an operation: `value` for put/cas, `expected` for cas. */
export interface KvInput {
  key: string;
  value?: string;
  expected?: string | null;
}

/** get → the value read (null when absent); cas → whether it swapped; put → null. */
export type KvOutput = string | boolean | null;

/** One completed (or indeterminate) client operation. */
export interface HistoryOp {
  clientId: number;
  op: KvOpKind;
  input: KvInput;
  /** Ignored when `completeMs` is Infinity (unknown outcome). */
  output?: KvOutput;
  invokeMs: number;
  /** `Infinity` when the outcome is unknown. */
  completeMs: number;
}

/** The verdicts of a check. */
export const CheckOutcome = {
  linearizable: "linearizable",
  violation: "violation",
  /** The step budget ran out before the search finished: neither proven nor refuted. */
  unknown: "unknown",
} as const;
/** One {@link CheckOutcome} value. */
export type CheckOutcome = typeof CheckOutcome[keyof typeof CheckOutcome];

/** The verdict on a whole history. */
export interface CheckResult {
  /** True only when every key was proven linearizable. */
  ok: boolean;
  outcome: CheckOutcome;
  /** The first key that was refuted (or, for `unknown`, that exhausted the budget). */
  failingKey?: string;
  explanation?: string;
  /** Search steps spent over all keys. */
  steps: number;
}

/** Knobs of {@link checkLinearizable}. */
export interface CheckOptions {
  /** Search steps allowed per key before giving up on it with `unknown` (default 1e6). */
  maxSteps?: number;
}

const defaultMaxSteps = 1_000_000;

/**
 * Checks a key-value history for linearizability, one key at a time.
 *
 * A violation wins over `unknown`: every key has its own step budget and is
 * searched even after another key exhausted its own, so a refutable key is
 * still reported.
 *
 * @example
 * ```ts
 * const result = checkLinearizable([
 *   { clientId: 1, op: "put", input: { key: "x", value: "a" }, output: null, invokeMs: 0, completeMs: 5 },
 *   { clientId: 2, op: "get", input: { key: "x" }, output: null, invokeMs: 6, completeMs: 9 },
 * ]);
 * result.outcome; // "violation": the read ran after the write completed
 * ```
 */
export function checkLinearizable(
  history: readonly HistoryOp[],
  options: CheckOptions = {},
): CheckResult {
  const maxSteps = options.maxSteps ?? defaultMaxSteps;
  const byKey = new Map<string, HistoryOp[]>();
  for (const op of history) {
    if (op.op === KvOpKind.get && !Number.isFinite(op.completeMs)) continue;
    const ops = byKey.get(op.input.key) ?? [];
    ops.push(op);
    byKey.set(op.input.key, ops);
  }
  let steps = 0;
  let unknownKey: string | undefined;
  for (const key of [...byKey.keys()].sort()) {
    const verdict = checkKey(key, byKey.get(key)!, maxSteps);
    steps += verdict.steps;
    if (verdict.outcome === CheckOutcome.violation) {
      return {
        ok: false,
        outcome: CheckOutcome.violation,
        failingKey: key,
        explanation: verdict.explanation,
        steps,
      };
    }
    if (verdict.outcome === CheckOutcome.unknown) unknownKey ??= key;
  }
  if (unknownKey !== undefined) {
    return {
      ok: false,
      outcome: CheckOutcome.unknown,
      failingKey: unknownKey,
      explanation: `key ${
        JSON.stringify(unknownKey)
      }: search budget of ${maxSteps} steps per key exhausted`,
      steps,
    };
  }
  return { ok: true, outcome: CheckOutcome.linearizable, steps };
}

/** The register model's transition: is `op` legal in `state`, and what follows. */
export function stepRegister(
  state: string | null,
  op: HistoryOp,
): { legal: boolean; next: string | null } {
  const known = Number.isFinite(op.completeMs);
  switch (op.op) {
    case KvOpKind.put:
      return { legal: true, next: op.input.value ?? null };
    case KvOpKind.get:
      return { legal: !known || op.output === state, next: state };
    case KvOpKind.cas: {
      const swaps = state === (op.input.expected ?? null);
      return {
        legal: !known || op.output === swaps,
        next: swaps ? op.input.value ?? null : state,
      };
    }
  }
}

/** Renders one operation for an explanation. */
export function describeOp(op: HistoryOp): string {
  const args = op.op === KvOpKind.cas
    ? `${op.input.key}, ${JSON.stringify(op.input.expected ?? null)}, ${
      JSON.stringify(op.input.value)
    }`
    : op.op === KvOpKind.put
    ? `${op.input.key}, ${JSON.stringify(op.input.value)}`
    : op.input.key;
  const known = Number.isFinite(op.completeMs);
  const result = !known ? "?" : op.op === KvOpKind.put ? "ok" : JSON.stringify(op.output);
  const end = known ? `${op.completeMs}` : "∞";
  return `client ${op.clientId} ${op.op}(${args}) → ${result} [${op.invokeMs}, ${end}]ms`;
}

/** A call or return event in the doubly linked event list. */
interface EventNode {
  op: number;
  /** Set on call events: the matching return event. */
  match?: EventNode;
  prev: EventNode | undefined;
  next: EventNode | undefined;
}

interface KeyVerdict {
  outcome: CheckOutcome;
  explanation?: string;
  steps: number;
}

function buildEvents(ops: readonly HistoryOp[]): EventNode {
  const events: { time: number; isCall: boolean; op: number }[] = [];
  ops.forEach((op, i) => {
    events.push({ time: op.invokeMs, isCall: true, op: i });
    events.push({ time: op.completeMs, isCall: false, op: i });
  });
  // Calls sort before returns at equal times: touching intervals are concurrent.
  events.sort((a, b) =>
    a.time - b.time || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1)
  );
  const head: EventNode = { op: -1, prev: undefined, next: undefined };
  const calls = new Map<number, EventNode>();
  let last = head;
  for (const event of events) {
    const node: EventNode = { op: event.op, prev: last, next: undefined };
    if (event.isCall) calls.set(event.op, node);
    else calls.get(event.op)!.match = node;
    last.next = node;
    last = node;
  }
  return head;
}

function lift(call: EventNode): void {
  call.prev!.next = call.next;
  call.next!.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: EventNode): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  call.next!.prev = call;
}

function checkKey(key: string, ops: readonly HistoryOp[], budget: number): KeyVerdict {
  const head = buildEvents(ops);
  const linearized = new Uint32Array(Math.ceil(ops.length / 32));
  const seen = new Set<string>();
  const stack: { call: EventNode; state: string | null }[] = [];
  let state: string | null = null;
  let entry = head.next;
  let steps = 0;
  let best = { depth: -1, stuck: -1, state: null as string | null };
  while (head.next !== undefined) {
    if (++steps > budget) return { outcome: CheckOutcome.unknown, steps };
    if (entry!.match !== undefined) {
      const call = entry!;
      const { legal, next } = stepRegister(state, ops[call.op]);
      if (legal) {
        linearized[call.op >>> 5] |= 1 << (call.op & 31);
        const memo = `${linearized.join(",")}|${JSON.stringify(next)}`;
        if (!seen.has(memo)) {
          seen.add(memo);
          stack.push({ call, state });
          state = next;
          lift(call);
          entry = head.next;
          continue;
        }
        linearized[call.op >>> 5] &= ~(1 << (call.op & 31));
      }
      entry = call.next;
      continue;
    }
    // A return event: its operation was not linearized in time; undo one step.
    if (stack.length > best.depth) best = { depth: stack.length, stuck: entry!.op, state };
    const top = stack.pop();
    if (top === undefined) {
      return { outcome: CheckOutcome.violation, explanation: explain(key, ops, best), steps };
    }
    linearized[top.call.op >>> 5] &= ~(1 << (top.call.op & 31));
    state = top.state;
    unlift(top.call);
    entry = top.call.next;
  }
  return { outcome: CheckOutcome.linearizable, steps };
}

function explain(
  key: string,
  ops: readonly HistoryOp[],
  best: { depth: number; stuck: number; state: string | null },
): string {
  return `key ${JSON.stringify(key)}: no linearization of its ${ops.length} ops; ` +
    `the longest linearizable prefix has ${best.depth}, after which ` +
    `${describeOp(ops[best.stuck])} cannot take effect (register holds ${
      JSON.stringify(best.state)
    })`;
}
