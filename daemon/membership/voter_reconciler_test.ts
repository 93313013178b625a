import assert from "node:assert/strict";
import type { VoterChange, VoterConfig } from "./voter_plan.ts";
import {
  type ReconcilerLogLevel,
  type ReconcilerView,
  TickOutcome,
  VoterChangeTimeoutError,
  VoterReconciler,
} from "./voter_reconciler.ts";

/** A fake raft: a mutable configuration that `apply` changes, with a settable clock. */
class FakeRaft {
  nowMs = 0;
  isLeader = true;
  self = "a";
  config: { voters: string[]; learners: string[] };
  addresses = new Map<string, string>();
  applied: VoterChange[] = [];
  failNext = 0;
  readFails = false;
  logs: { level: ReconcilerLogLevel; message: string }[] = [];

  constructor(config: VoterConfig) {
    this.config = { voters: [...config.voters], learners: [...config.learners] };
    for (const id of [...config.voters, ...config.learners]) this.addresses.set(id, `${id}:7001`);
  }

  reconciler(): VoterReconciler {
    return new VoterReconciler({
      now: () => this.nowMs,
      read: (): ReconcilerView => {
        if (this.readFails) throw new Error("raft is closed");
        return this.isLeader
          ? { isLeader: true, self: this.self, config: this.config, addresses: this.addresses }
          : { isLeader: false };
      },
      apply: (change) => {
        if (this.failNext > 0) {
          this.failNext--;
          return Promise.reject(new Error("conf change pending"));
        }
        this.applied.push(change);
        const { voters, learners } = this.config;
        const from = change.kind === "promote" ? learners : voters;
        from.splice(from.indexOf(change.server), 1);
        (change.kind === "promote" ? voters : learners).push(change.server);
        return Promise.resolve();
      },
      log: (level, message) => this.logs.push({ level, message }),
    });
  }

  join(id: string): void {
    this.config.learners.push(id);
    this.addresses.set(id, `${id}:7001`);
  }
}

Deno.test("VoterReconciler promotes learners one per tick, ascending, after 3 s", async () => {
  const raft = new FakeRaft({ voters: ["a"], learners: ["e", "c", "b", "d"] });
  const reconciler = raft.reconciler();
  assert.equal((await reconciler.tick()).outcome, TickOutcome.steady, "just seen: not eligible");
  raft.nowMs = 2999;
  assert.equal((await reconciler.tick()).outcome, TickOutcome.steady);
  raft.nowMs = 3000;
  const first = await reconciler.tick();
  assert.equal(first.outcome, TickOutcome.applied);
  assert.deepEqual(raft.applied, [{ kind: "promote", server: "b", address: "b:7001" }]);
  await reconciler.tick();
  assert.deepEqual(raft.applied.map((c) => c.server), ["b", "c"]);
  // Five members → target 5: d and e follow, one per tick.
  await reconciler.tick();
  assert.equal(raft.applied.length, 3);
  await reconciler.tick();
  assert.deepEqual(raft.applied.map((c) => c.server), ["b", "c", "d", "e"]);
  assert.equal((await reconciler.tick()).outcome, TickOutcome.steady);
  assert.deepEqual(
    raft.logs.filter((l) => l.level === "info").map((l) => l.message),
    Array(4).fill("promoting nonvoter to voter"),
  );
});

Deno.test("VoterReconciler starts a joiner's clock when it first sees it", async () => {
  const raft = new FakeRaft({ voters: ["a"], learners: [] });
  const reconciler = raft.reconciler();
  await reconciler.tick();
  raft.nowMs = 10_000;
  raft.join("b");
  raft.join("c");
  assert.equal((await reconciler.tick()).outcome, TickOutcome.steady);
  assert.equal(reconciler.firstSeen().get("b"), 10_000);
  raft.nowMs = 13_000;
  assert.equal((await reconciler.tick()).outcome, TickOutcome.applied);
  assert.equal(raft.applied[0].server, "b");
});

Deno.test("VoterReconciler demotes descending, one per tick, and never itself", async () => {
  const raft = new FakeRaft({ voters: ["a", "b", "c", "d", "e", "f", "g"], learners: [] });
  raft.self = "g";
  const reconciler = raft.reconciler();
  assert.equal((await reconciler.tick()).outcome, TickOutcome.steady, "7 members → 7 voters");
  // a leaves (forced removal): 6 members → target 5; f is the largest voter that is not g.
  raft.config.voters = ["b", "c", "d", "e", "f", "g"];
  await reconciler.tick();
  assert.deepEqual(raft.applied, [{ kind: "demote", server: "f" }]);
  assert.equal((await reconciler.tick()).outcome, TickOutcome.steady, "6 members → 5 voters");
  // e and f leave: 4 members, all voting → target 3; d goes next.
  raft.config = { voters: ["b", "c", "d", "g"], learners: [] };
  await reconciler.tick();
  assert.deepEqual(raft.applied.map((c) => c.server), ["f", "d"]);
  assert.ok(raft.applied.every((c) => c.server !== "g"), "the leader is never demoted");
  assert.ok(raft.logs.some((l) => l.message === "demoting voter to nonvoter"));
});

Deno.test("VoterReconciler on a follower does nothing and forgets first-seen times", async () => {
  const raft = new FakeRaft({ voters: ["a"], learners: ["b", "c"] });
  const reconciler = raft.reconciler();
  await reconciler.tick();
  assert.equal(reconciler.firstSeen().size, 3);
  raft.isLeader = false;
  raft.nowMs = 5000;
  assert.equal((await reconciler.tick()).outcome, TickOutcome.follower);
  assert.equal(reconciler.firstSeen().size, 0);
  assert.equal(raft.applied.length, 0);
  // Leading again, the 3 s wait restarts from now rather than from the old leadership.
  raft.isLeader = true;
  assert.equal((await reconciler.tick()).outcome, TickOutcome.steady);
  raft.nowMs = 8000;
  assert.equal((await reconciler.tick()).outcome, TickOutcome.applied);
});

Deno.test("VoterReconciler evicts departed servers so a rejoin waits again", async () => {
  const raft = new FakeRaft({ voters: ["a"], learners: ["b", "c"] });
  const reconciler = raft.reconciler();
  await reconciler.tick();
  raft.config.learners = ["c"];
  raft.nowMs = 1000;
  await reconciler.tick();
  assert.ok(!reconciler.firstSeen().has("b"));
  raft.join("b");
  raft.nowMs = 3500;
  // c (seen at 0) is eligible; b rejoined at 3500 and is not.
  await reconciler.tick();
  assert.deepEqual(raft.applied.map((c) => c.server), ["c"]);
  assert.equal(reconciler.firstSeen().get("b"), 3500);
});

Deno.test("VoterReconciler retries a failed change on the next tick", async () => {
  const raft = new FakeRaft({ voters: ["a"], learners: ["b", "c"] });
  const reconciler = raft.reconciler();
  await reconciler.tick();
  raft.nowMs = 3000;
  raft.failNext = 1;
  const failed = await reconciler.tick();
  assert.equal(failed.outcome, TickOutcome.failed);
  assert.match(String(failed.error), /conf change pending/);
  assert.ok(raft.logs.some((l) => l.level === "error" && /promote of b failed/.test(l.message)));
  assert.equal(raft.applied.length, 0);
  assert.equal((await reconciler.tick()).outcome, TickOutcome.applied);
  assert.deepEqual(raft.applied.map((c) => c.server), ["b"]);
});

Deno.test("VoterReconciler reports a failed read and recovers", async () => {
  const raft = new FakeRaft({ voters: ["a"], learners: ["b", "c"] });
  const reconciler = raft.reconciler();
  raft.readFails = true;
  assert.equal((await reconciler.tick()).outcome, TickOutcome.failed);
  assert.ok(raft.logs.some((l) => l.level === "error"));
  raft.readFails = false;
  assert.equal((await reconciler.tick()).outcome, TickOutcome.steady);
});

Deno.test("VoterReconciler warns about a learner without an address and promotes the next", async () => {
  const raft = new FakeRaft({ voters: ["a"], learners: ["b", "c"] });
  raft.addresses.delete("b");
  const reconciler = raft.reconciler();
  await reconciler.tick();
  raft.nowMs = 3000;
  await reconciler.tick();
  assert.deepEqual(raft.applied.map((c) => c.server), ["c"]);
  assert.ok(
    raft.logs.some((l) => l.level === "warn" && /nonvoter b has no known address/.test(l.message)),
  );
});

Deno.test("VoterReconciler makes one change at a time even when ticked concurrently", async () => {
  const raft = new FakeRaft({ voters: ["a"], learners: ["b", "c", "d", "e"] });
  const pending: (() => void)[] = [];
  const applied: VoterChange[] = [];
  const reconciler = new VoterReconciler({
    now: () => raft.nowMs,
    read: () => ({ isLeader: true, self: "a", config: raft.config, addresses: raft.addresses }),
    apply: (change) =>
      new Promise((resolve) => {
        applied.push(change);
        pending.push(resolve);
      }),
  });
  await reconciler.tick();
  raft.nowMs = 3000;
  const first = reconciler.tick();
  const second = await reconciler.tick();
  assert.equal(second.outcome, TickOutcome.busy);
  while (applied.length === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal((await reconciler.tick()).outcome, TickOutcome.busy, "still applying");
  assert.equal(applied.length, 1);
  pending[0]();
  assert.equal((await first).outcome, TickOutcome.applied);
});

Deno.test("VoterReconciler times out a change but starts no other until it settles", async () => {
  const raft = new FakeRaft({ voters: ["a"], learners: ["b", "c"] });
  let release = () => {};
  const applied: VoterChange[] = [];
  const reconciler = new VoterReconciler({
    now: () => raft.nowMs,
    read: () => ({ isLeader: true, self: "a", config: raft.config, addresses: raft.addresses }),
    apply: (change) => {
      applied.push(change);
      return applied.length === 1 ? new Promise((resolve) => release = resolve) : Promise.resolve();
    },
    applyTimeoutMs: 5,
  });
  await reconciler.tick();
  raft.nowMs = 3000;
  const timedOut = await reconciler.tick();
  assert.equal(timedOut.outcome, TickOutcome.failed);
  assert.ok(timedOut.error instanceof VoterChangeTimeoutError);
  assert.match(timedOut.error.message, /promote of b did not commit within 5 ms/);
  assert.equal((await reconciler.tick()).outcome, TickOutcome.busy, "b's change is in flight");
  assert.equal(applied.length, 1);
  release();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal((await reconciler.tick()).outcome, TickOutcome.applied, "retried once settled");
  assert.equal(applied.length, 2);
});

Deno.test("VoterReconciler counts a synchronous throw from apply as a failed tick", async () => {
  const raft = new FakeRaft({ voters: ["a"], learners: ["b", "c"] });
  const reconciler = new VoterReconciler({
    now: () => raft.nowMs,
    read: () => ({ isLeader: true, self: "a", config: raft.config, addresses: raft.addresses }),
    apply: () => {
      throw new Error("no address for c");
    },
  });
  await reconciler.tick();
  raft.nowMs = 3000;
  const result = await reconciler.tick();
  assert.equal(result.outcome, TickOutcome.failed);
  assert.match(String(result.error), /no address for c/);
});
