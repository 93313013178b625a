import assert from "node:assert/strict";
import { JacoError } from "../../proto/errors.ts";
import type { LeaderChange, RaftStatus } from "../../raft/mod.ts";
import { ELECTION_BAR_MS, QuorumJudge, reachableVoters } from "./quorum.ts";

function raft(status: Partial<RaftStatus>) {
  const listeners: ((change: LeaderChange) => void)[] = [];
  const current = {
    id: "node-1",
    role: "leader",
    leader: "node-1",
    conf: { voters: ["node-1", "node-2", "node-3"], learners: [] },
    ...status,
  } as RaftStatus;
  return {
    current,
    status: () => current,
    onLeaderChange: (listener: (change: LeaderChange) => void) => {
      listeners.push(listener);
      return () => {};
    },
    emit: (change: Partial<LeaderChange>) =>
      listeners.forEach((listener) => listener(change as LeaderChange)),
  };
}

Deno.test("reachableVoters() counts the leader and voters heard from within the window", () => {
  const status = raft({ lastContactMs: { "node-2": 250, "node-3": 5_000 } }).status();
  assert.deepEqual(reachableVoters(status), ["node-1", "node-2"]);
});

Deno.test("QuorumJudge.check() passes a leader with a majority and refuses one without as quorum_lost", () => {
  const judge = new QuorumJudge(() => 0);
  judge.check(raft({ lastContactMs: { "node-2": 100, "node-3": 9_000 } }));
  assert.throws(() => judge.check(raft({ lastContactMs: { "node-2": 9_000, "node-3": 9_000 } })), {
    code: "quorum_lost",
    details: { reason: "voters_unreachable", voters: "node-1,node-2,node-3", reachable: "node-1" },
  });
});

Deno.test("QuorumJudge.check() is silent while leaderless for less than the election bar, then quorum_lost", () => {
  let now = 0;
  const judge = new QuorumJudge(() => now);
  const follower = raft({ role: "follower", leader: "" });
  judge.check(follower);
  now = ELECTION_BAR_MS - 1;
  judge.check(follower);
  now = ELECTION_BAR_MS;
  assert.throws(() => judge.check(follower), {
    code: "quorum_lost",
    details: { reason: "no_leader_elected", leaderless_ms: "10000" },
  });
  // A leader appears: the clock resets; losing it again starts a new wait.
  follower.current.leader = "node-2";
  follower.emit({ leader: "node-2" });
  judge.check(follower);
  follower.current.leader = "";
  now += 5_000;
  follower.emit({ leader: "" });
  judge.check(follower);
});

Deno.test("QuorumJudge.explain() turns a leader's apply timeout into quorum_lost only without a majority", () => {
  const judge = new QuorumJudge(() => 0);
  const timeout = new JacoError("raft_apply_failed", "not applied in time");
  const healthy = raft({ lastContactMs: { "node-2": 0, "node-3": 0 } });
  assert.equal(judge.explain(healthy, timeout), timeout);
  const cut = raft({ lastContactMs: { "node-2": 9_000, "node-3": 9_000 } });
  assert.equal((judge.explain(cut, timeout) as JacoError).code, "quorum_lost");
  const other = new JacoError("validation_failed", "x");
  assert.equal(judge.explain(cut, other), other);
});
