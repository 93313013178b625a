import assert from "node:assert/strict";
import { KvMachine } from "./_testing/kv.ts";
import { RaftDriver } from "./driver.ts";
import { MemoryNetwork } from "./memory_transport.ts";
import { MemoryStorage } from "./storage.ts";

async function until<T>(probe: () => T | undefined | false, what: string): Promise<T> {
  const deadline = Date.now() + 8000;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("RaftDriver.status() lastContactMs: the leader sees a stopped member go quiet", async () => {
  const network = new MemoryNetwork();
  const ids = ["a", "b", "c"];
  const drivers = new Map<string, RaftDriver>();
  for (const id of ids) {
    drivers.set(
      id,
      await RaftDriver.start({
        id,
        storage: new MemoryStorage(),
        transport: network.transport(id),
        stateMachine: new KvMachine(),
        bootstrap: { voters: ids, learners: [] },
        peers: Object.fromEntries(ids.map((v) => [v, v])),
        tickMs: 10,
        heartbeatTicks: 2,
        electionTicks: 10,
      }),
    );
  }
  try {
    const leader = await until(
      () => [...drivers.values()].find((d) => d.status().role === "leader"),
      "a leader",
    );
    const follower = [...drivers.values()].find((d) => d !== leader)!;
    assert.equal(follower.status().lastContactMs, undefined);
    const [quiet, alive] = ids.filter((id) => id !== leader.status().id);
    await drivers.get(quiet)!.close();
    const contact = await until(() => {
      const ms = leader.status().lastContactMs;
      return ms && ms[quiet] >= 300 ? ms : undefined;
    }, "the stopped member to go quiet");
    assert.ok(contact[alive] < 300, `live member contact ${contact[alive]} ms`);
    assert.equal(contact[quiet] % 10, 0, "whole ticks of 10 ms");
  } finally {
    for (const driver of drivers.values()) await driver.close();
  }
});
