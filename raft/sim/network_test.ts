import assert from "node:assert/strict";
import { SimNetwork } from "./network.ts";
import { Rng } from "./rng.ts";
import { type Message, MessageType } from "../types.ts";

function msg(from: string, to: string): Message {
  return {
    type: MessageType.heartbeat,
    from,
    to,
    term: 1,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    rejectTerm: 0,
  };
}

Deno.test("SimNetwork.partition() cuts links between groups and isolates unlisted nodes", () => {
  const net = new SimNetwork(new Rng(1));
  net.partition([["a", "b"], ["c"]]);
  assert.ok(net.connected("a", "b"));
  assert.ok(!net.connected("a", "c"));
  assert.ok(!net.connected("d", "a"));
  assert.deepEqual(net.deliveryTimes(msg("a", "c"), 0), []);
  net.heal();
  assert.ok(net.connected("a", "c"));
});

Deno.test("SimNetwork keeps each link FIFO unless reordering is on", () => {
  const net = new SimNetwork(new Rng(3));
  net.setFaults({ delayMs: [1, 50] });
  let last = 0;
  for (let i = 0; i < 200; i++) {
    const [at] = net.deliveryTimes(msg("a", "b"), i);
    assert.ok(at >= last, "FIFO");
    last = at;
  }
  net.setFaults({ reorder: true });
  const times = Array.from({ length: 200 }, (_, i) => net.deliveryTimes(msg("b", "a"), i)[0]);
  assert.ok(times.some((t, i) => i > 0 && t < times[i - 1]), "some messages overtake");
});

Deno.test("SimNetwork drops and duplicates at roughly the configured rates", () => {
  const net = new SimNetwork(new Rng(5));
  net.setFaults({ dropRate: 0.3, duplicateRate: 0.2 });
  let dropped = 0;
  let doubled = 0;
  for (let i = 0; i < 5000; i++) {
    const n = net.deliveryTimes(msg("a", "b"), i).length;
    if (n === 0) dropped++;
    if (n === 2) doubled++;
  }
  assert.ok(Math.abs(dropped / 5000 - 0.3) < 0.03, `drop ${dropped}`);
  assert.ok(Math.abs(doubled / 3500 - 0.2) < 0.03, `dup ${doubled}`);
});
