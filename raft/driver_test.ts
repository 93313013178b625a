import assert from "node:assert/strict";
import { isJacoError } from "../proto/errors.ts";
import { kvCommand, KvMachine } from "./_testing/kv.ts";
import { RaftDriver } from "./driver.ts";
import { MemoryNetwork } from "./memory_transport.ts";
import { SqliteStorage } from "./sqlite_storage.ts";
import { MemoryStorage, type PersistBatch, type Storage } from "./storage.ts";

const FAST = { tickMs: 10, heartbeatTicks: 2, electionTicks: 10 };

interface Member {
  driver: RaftDriver;
  kv: KvMachine;
}

async function startMember(
  id: string,
  network: MemoryNetwork,
  storage: Storage,
  options: { voters: string[]; peers?: string[]; snapshotEntries?: number; kv?: KvMachine },
): Promise<Member> {
  const kv = options.kv ?? new KvMachine();
  const driver = await RaftDriver.start({
    id,
    storage,
    transport: network.transport(id),
    stateMachine: kv,
    bootstrap: { voters: options.voters, learners: [] },
    peers: Object.fromEntries((options.peers ?? options.voters).map((v) => [v, v])),
    snapshotEntries: options.snapshotEntries ?? 8192,
    ...FAST,
  });
  return { driver, kv };
}

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function leaderOf(members: Map<string, Member>): Member | undefined {
  for (const m of members.values()) if (m.driver.status().role === "leader") return m;
  return undefined;
}

async function closeAll(members: Map<string, Member>): Promise<void> {
  for (const m of members.values()) await m.driver.close();
}

async function memoryCluster(ids: string[], snapshotEntries?: number) {
  const network = new MemoryNetwork();
  const members = new Map<string, Member>();
  for (const id of ids) {
    members.set(
      id,
      await startMember(id, network, new MemoryStorage(), { voters: ids, snapshotEntries }),
    );
  }
  return { network, members };
}

Deno.test("RaftDriver three members elect one leader and replicate proposals to all", async () => {
  const { members } = await memoryCluster(["a", "b", "c"]);
  try {
    const leader = await until(() => leaderOf(members), "a leader");
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => leader.driver.propose(kvCommand(`k${i}`, `v${i}`))),
    );
    assert.equal(new Set(results.map((r) => r.index)).size, 50);
    for (const m of members.values()) {
      await until(() => m.kv.data.size === 50, "replication to every member");
      assert.equal(m.kv.data.get("k49"), "v49");
    }
  } finally {
    await closeAll(members);
  }
});

Deno.test("RaftDriver propose() on a follower fails with no_leader naming the leader", async () => {
  const { members } = await memoryCluster(["a", "b", "c"]);
  try {
    const leader = await until(() => leaderOf(members), "a leader");
    await leader.driver.propose(kvCommand("x", "1"));
    const follower = [...members.values()].find((m) => m !== leader)!;
    await assert.rejects(follower.driver.propose(kvCommand("x", "2")), (err) => {
      assert.ok(isJacoError(err) && err.code === "no_leader");
      assert.equal(err.details.leader, leader.driver.status().id);
      return true;
    });
  } finally {
    await closeAll(members);
  }
});

Deno.test("RaftDriver keeps committing after the leader closes", async () => {
  const { members } = await memoryCluster(["a", "b", "c"]);
  try {
    const first = await until(() => leaderOf(members), "a leader");
    await first.driver.propose(kvCommand("before", "1"));
    const firstId = first.driver.status().id;
    await first.driver.close();
    members.delete(firstId);
    const second = await until(() => leaderOf(members), "a new leader");
    assert.notEqual(second.driver.status().id, firstId);
    await second.driver.propose(kvCommand("after", "2"));
    for (const m of members.values()) {
      await until(() => m.kv.data.get("after") === "2", "the new write everywhere");
      assert.equal(m.kv.data.get("before"), "1");
    }
  } finally {
    await closeAll(members);
  }
});

Deno.test("RaftDriver restarts from SQLite storage with its state and keeps going", async () => {
  const ids = ["a", "b", "c"];
  const root = await Deno.makeTempDir({ prefix: "jaco-raft-driver-" });
  const open = async () => {
    const network = new MemoryNetwork();
    const members = new Map<string, Member>();
    for (const id of ids) {
      const storage = await SqliteStorage.open({ dir: `${root}/${id}` });
      members.set(
        id,
        await startMember(id, network, storage, { voters: ids, snapshotEntries: 25 }),
      );
    }
    return members;
  };
  try {
    let members = await open();
    const leader = await until(() => leaderOf(members), "a leader");
    for (let i = 0; i < 60; i++) await leader.driver.propose(kvCommand(`k${i}`, `v${i}`));
    for (const m of members.values()) await until(() => m.kv.data.size === 60, "replication");
    assert.ok(leader.kv.snapshotsTaken >= 2);
    await closeAll(members);

    members = await open();
    for (const m of members.values()) {
      assert.ok(m.kv.restoredFrom.length === 1, "restored from the latest snapshot at start");
    }
    const again = await until(() => leaderOf(members), "a leader after restart");
    await again.driver.propose(kvCommand("k60", "v60"));
    for (const m of members.values()) {
      await until(() => m.kv.data.size === 61, "the old state plus the new write");
      assert.equal(m.kv.data.get("k0"), "v0");
    }
    await closeAll(members);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("RaftDriver adds a learner that catches up from a snapshot, then promotes it", async () => {
  const { network, members } = await memoryCluster(["a", "b", "c"], 20);
  try {
    const leader = await until(() => leaderOf(members), "a leader");
    for (let i = 0; i < 50; i++) await leader.driver.propose(kvCommand(`k${i}`, `v${i}`));
    const d = await startMember("d", network, new MemoryStorage(), {
      voters: [],
      peers: ["a", "b", "c"],
    });
    members.set("d", d);
    await leader.driver.addLearner("d", "d");
    await until(() => d.kv.data.size === 50, "the learner to catch up");
    assert.ok(d.kv.restoredFrom.length >= 1, "caught up through a snapshot");
    await leader.driver.promote("d");
    assert.deepEqual(leader.driver.status().conf.voters.sort(), ["a", "b", "c", "d"]);
  } finally {
    await closeAll(members);
  }
});

Deno.test("RaftDriver readIndex() resolves with an applied index", async () => {
  const { members } = await memoryCluster(["a", "b", "c"]);
  try {
    const leader = await until(() => leaderOf(members), "a leader");
    const { index } = await leader.driver.propose(kvCommand("r", "1"));
    const readAt = await leader.driver.readIndex();
    assert.ok(readAt >= index);
    assert.ok(leader.driver.status().applied >= readAt);
  } finally {
    await closeAll(members);
  }
});

class CountingStorage extends MemoryStorage {
  persists = 0;
  override persist(batch: PersistBatch): Promise<void> {
    if (batch.entries.length > 0) this.persists++;
    return super.persist(batch);
  }
}

Deno.test("RaftDriver group-commits concurrent proposals into few storage writes", async () => {
  const network = new MemoryNetwork();
  const storage = new CountingStorage();
  const solo = await startMember("solo", network, storage, { voters: ["solo"] });
  try {
    await until(() => solo.driver.status().role === "leader", "self-election");
    const before = storage.persists;
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => solo.driver.propose(kvCommand(`k${i}`, "v"))),
    );
    assert.equal(solo.kv.data.size, 200);
    assert.ok(
      storage.persists - before <= 5,
      `${storage.persists - before} writes for 200 entries`,
    );
  } finally {
    await solo.driver.close();
  }
});

Deno.test("RaftDriver replicates over TlsTransport with SqliteStorage", async () => {
  const { mintCa } = await import("../tests/_pki.ts");
  const { TlsTransport } = await import("./tls_transport.ts");
  const ca = await mintCa();
  const ids = ["a", "b", "c"];
  const root = await Deno.makeTempDir({ prefix: "jaco-raft-driver-tls-" });
  const transports = await Promise.all(ids.map(async (id) =>
    TlsTransport.listen({
      id,
      hostname: "127.0.0.1",
      port: 0,
      ca: ca.cert,
      ...(await ca.sign({ commonName: id })),
    })
  ));
  const peers = Object.fromEntries(ids.map((id, i) => [id, `127.0.0.1:${transports[i].port}`]));
  const members = new Map<string, Member>();
  try {
    for (const [i, id] of ids.entries()) {
      const kv = new KvMachine();
      const driver = await RaftDriver.start({
        id,
        storage: await SqliteStorage.open({ dir: `${root}/${id}` }),
        transport: transports[i],
        stateMachine: kv,
        bootstrap: { voters: ids, learners: [] },
        peers,
        ...FAST,
      });
      members.set(id, { driver, kv });
    }
    const leader = await until(() => leaderOf(members), "a leader");
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => leader.driver.propose(kvCommand(`k${i}`, `v${i}`))),
    );
    for (const m of members.values()) await until(() => m.kv.data.size === 100, "replication");
  } finally {
    await closeAll(members);
    await Deno.remove(root, { recursive: true });
  }
});
