import assert from "node:assert/strict";
import { planShrinkBeforeRemove } from "./shrink_plan.ts";
import { voterTarget } from "./voter_target.ts";

Deno.test("planShrinkBeforeRemove() demotes the largest non-leader voters down to the new target", () => {
  const plan = planShrinkBeforeRemove({
    config: { voters: ["a", "b", "c", "d", "e"], learners: [] },
    leader: "a",
    leaving: "b",
  });
  // Four remain → target 3; c, d, e and the leader a vote → demote e.
  assert.deepEqual(plan.demotions, [{ kind: "demote", server: "e" }]);
  assert.equal(plan.target, 3);
  assert.equal(plan.remainingVoters, 4);
});

Deno.test("planShrinkBeforeRemove() never demotes the leader or the leaver", () => {
  const plan = planShrinkBeforeRemove({
    config: { voters: ["a", "b", "c"], learners: [] },
    leader: "c",
    leaving: "b",
  });
  // Two remain → target 1: a and c vote, c leads → demote a although c sorts last.
  assert.deepEqual(plan.demotions, [{ kind: "demote", server: "a" }]);
  const leaderLeaves = planShrinkBeforeRemove({
    config: { voters: ["a", "b", "c"], learners: [] },
    leader: "c",
    leaving: "c",
  });
  assert.deepEqual(leaderLeaves.demotions, [{ kind: "demote", server: "b" }]);
});

Deno.test("planShrinkBeforeRemove() lists several demotions largest first when far above target", () => {
  // Nine voters (a configuration left over-full, e.g. by an older leader) and a learner leaving:
  // nine remain → target 7 → two demotions, largest first, skipping the leader i.
  const plan = planShrinkBeforeRemove({
    config: { voters: ["a", "b", "c", "d", "e", "f", "g", "h", "i"], learners: ["j"] },
    leader: "i",
    leaving: "j",
  });
  assert.deepEqual(plan.demotions.map((d) => d.server), ["h", "g"]);
  assert.equal(plan.target, 7);
});

Deno.test("planShrinkBeforeRemove() counts an unknown leaver as no change in size", () => {
  const plan = planShrinkBeforeRemove({
    config: { voters: ["a", "b", "c", "d", "e"], learners: [] },
    leader: "e",
    leaving: "z",
  });
  assert.deepEqual(plan.demotions, []);
  assert.equal(plan.target, 5);
});

Deno.test("planShrinkBeforeRemove() plans nothing when the remaining voters already fit", () => {
  const learnerLeaves = planShrinkBeforeRemove({
    config: { voters: ["a", "b", "c"], learners: ["d", "e"] },
    leader: "a",
    leaving: "e",
  });
  assert.deepEqual(learnerLeaves.demotions, []);
  const lastVoter = planShrinkBeforeRemove({
    config: { voters: ["a"], learners: ["b"] },
    leader: "a",
    leaving: "b",
  });
  assert.deepEqual(lastVoter.demotions, []);
});

Deno.test("planShrinkBeforeRemove() leaves no more voters than target for every size and leaver", () => {
  const names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
  for (let members = 1; members <= names.length; members++) {
    const all = names.slice(0, members);
    const voters = all.slice(0, voterTarget(members));
    const config = { voters, learners: all.slice(voters.length) };
    for (const leader of voters) {
      for (const leaving of all) {
        const plan = planShrinkBeforeRemove({ config, leader, leaving });
        const demoted = new Set(plan.demotions.map((d) => d.server));
        assert.ok(!demoted.has(leader) && !demoted.has(leaving), `${members} ${leader} ${leaving}`);
        const after = voters.filter((id) => id !== leaving && !demoted.has(id));
        assert.equal(
          after.length,
          Math.min(plan.target, voters.filter((id) => id !== leaving).length),
        );
        assert.ok(after.includes(leader) || leader === leaving);
      }
    }
  }
});
