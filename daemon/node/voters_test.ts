import assert from "node:assert/strict";
import type { RaftStatus } from "../../raft/mod.ts";
import { startVoters } from "./voters.ts";
import { textLogger } from "./log.ts";

function fakeRaft(role: "leader" | "follower") {
  const conf = { voters: ["node-1"], learners: ["node-2", "node-3"] };
  const calls: string[] = [];
  return {
    calls,
    conf,
    raft: {
      status: (): RaftStatus => ({
        id: "node-1",
        role,
        term: 1,
        leader: role === "leader" ? "node-1" : "node-9",
        commit: 1,
        applied: 1,
        lastIndex: 1,
        conf,
      }),
      promote: (id: string) => {
        calls.push(`promote ${id}`);
        conf.learners = conf.learners.filter((learner) => learner !== id);
        conf.voters = [...conf.voters, id];
        return Promise.resolve({ index: 2, term: 1, result: undefined });
      },
      remove: (id: string) => {
        calls.push(`remove ${id}`);
        return Promise.resolve({ index: 2, term: 1, result: undefined });
      },
      addLearner: (id: string) => {
        calls.push(`learner ${id}`);
        return Promise.resolve({ index: 2, term: 1, result: undefined });
      },
    },
  };
}

const addresses = () => new Map([["node-1", "a:1"], ["node-2", "a:2"], ["node-3", "a:3"]]);
const log = textLogger({ level: "error", write: () => {} });

Deno.test("startVoters() promotes learners on the leader once they were seen long enough", async () => {
  const fake = fakeRaft("leader");
  const voters = startVoters({ raft: fake.raft, addresses, log, intervalMs: 5, promoteAfterMs: 0 });
  for (let attempt = 0; attempt < 200 && fake.conf.voters.length < 3; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await voters.stop();
  assert.deepEqual(fake.calls, ["promote node-2", "promote node-3"]);
});

Deno.test("startVoters() changes nothing on a follower", async () => {
  const fake = fakeRaft("follower");
  const voters = startVoters({ raft: fake.raft, addresses, log, intervalMs: 5, promoteAfterMs: 0 });
  await new Promise((resolve) => setTimeout(resolve, 40));
  await voters.stop();
  assert.deepEqual(fake.calls, []);
});
