/**
 * One suite run against every {@link Storage}: the in-memory one and SQLite.
 * SQLite cases also reopen the directory to prove durability.
 */
import assert from "node:assert/strict";
import { MemoryStorage, type Storage } from "./storage.ts";
import { SqliteStorage } from "./sqlite_storage.ts";
import { type Entry, EntryType, type Snapshot } from "./types.ts";

interface Harness {
  storage: Storage;
  /** Closes and reopens (SQLite) or returns the same store (memory). */
  reopen(): Promise<Storage>;
  cleanup(): Promise<void>;
}

const kinds: Record<string, () => Promise<Harness>> = {
  MemoryStorage: () => {
    const storage = new MemoryStorage();
    return Promise.resolve({
      storage,
      reopen: () => Promise.resolve(storage),
      cleanup: () => Promise.resolve(),
    });
  },
  SqliteStorage: async () => {
    const dir = await Deno.makeTempDir({ prefix: "jaco-raft-storage-" });
    const h: Harness = {
      storage: await SqliteStorage.open({ dir }),
      async reopen() {
        await h.storage.close();
        h.storage = await SqliteStorage.open({ dir });
        return h.storage;
      },
      async cleanup() {
        await h.storage.close();
        await Deno.remove(dir, { recursive: true });
      },
    };
    return h;
  },
};

function entries(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) {
    out.push({ index: i, term, type: EntryType.normal, data: new TextEncoder().encode(`e${i}`) });
  }
  return out;
}

function snapshot(index: number, term: number, tag = "s"): Snapshot {
  return {
    meta: { index, term, conf: { voters: ["a", "b", "c"], learners: [] } },
    data: new TextEncoder().encode(`${tag}@${index}`),
  };
}

for (const [kind, make] of Object.entries(kinds)) {
  const test = (name: string, body: (h: Harness) => Promise<void>) =>
    Deno.test(`${kind} ${name}`, async () => {
      const h = await make();
      try {
        await body(h);
      } finally {
        await h.cleanup();
      }
    });

  test("load() of an empty store returns the bootstrap conf and zero state", async (h) => {
    await h.storage.bootstrap({ voters: ["a"], learners: [] });
    const s = await (await h.reopen()).load();
    assert.deepEqual(s.hardState, { term: 0, vote: "", commit: 0 });
    assert.deepEqual(s.entries, []);
    assert.equal(s.snapshot, undefined);
    assert.deepEqual(s.conf, { voters: ["a"], learners: [] });
  });

  test("bootstrap() is ignored once raft state exists", async (h) => {
    await h.storage.bootstrap({ voters: ["a"], learners: [] });
    await h.storage.persist({
      entries: entries(1, 1, 1),
      hardState: { term: 1, vote: "a", commit: 0 },
    });
    await h.storage.bootstrap({ voters: ["z"], learners: [] });
    assert.deepEqual((await h.storage.load()).conf, { voters: ["a"], learners: [] });
  });

  test("persist() stores entries and hard state durably", async (h) => {
    await h.storage.persist({
      entries: entries(1, 5, 1),
      hardState: { term: 1, vote: "b", commit: 3 },
    });
    const s = await (await h.reopen()).load();
    assert.deepEqual(s.entries, entries(1, 5, 1));
    assert.deepEqual(s.hardState, { term: 1, vote: "b", commit: 3 });
  });

  test("persist() truncates a conflicting suffix", async (h) => {
    await h.storage.persist({ entries: entries(1, 10, 1) });
    await h.storage.persist({ entries: entries(6, 7, 2) });
    const s = await (await h.reopen()).load();
    assert.deepEqual(s.entries, [...entries(1, 5, 1), ...entries(6, 7, 2)]);
  });

  test("persist() with a conflicting received snapshot drops the whole log", async (h) => {
    await h.storage.persist({ entries: entries(1, 20, 1) });
    await h.storage.persist({ snapshot: snapshot(15, 3), entries: entries(16, 17, 3) });
    const s = await (await h.reopen()).load();
    assert.deepEqual(s.snapshot, snapshot(15, 3));
    assert.deepEqual(s.entries, entries(16, 17, 3));
  });

  test("persist() with a matching received snapshot keeps the entries after it", async (h) => {
    await h.storage.persist({ entries: entries(1, 20, 2) });
    await h.storage.persist({ snapshot: snapshot(15, 2), entries: [] });
    const s = await (await h.reopen()).load();
    assert.equal(s.snapshot?.meta.index, 15);
    assert.deepEqual(s.entries, entries(16, 20, 2));
  });

  test("saveSnapshot() compacts only up to the previous snapshot", async (h) => {
    await h.storage.persist({ entries: entries(1, 30, 1) });
    await h.storage.saveSnapshot(snapshot(10, 1));
    await h.storage.saveSnapshot(snapshot(20, 1));
    let s = await (await h.reopen()).load();
    assert.deepEqual(s.snapshot, snapshot(20, 1));
    assert.deepEqual(s.entries, entries(21, 30, 1));
    await h.storage.saveSnapshot(snapshot(25, 1));
    await h.storage.saveSnapshot(snapshot(28, 1));
    s = await (await h.reopen()).load();
    assert.deepEqual(s.snapshot, snapshot(28, 1));
    assert.deepEqual(s.entries, entries(29, 30, 1));
  });
}

Deno.test("SqliteStorage falls back to the previous snapshot when the newest is corrupt", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jaco-raft-storage-" });
  try {
    let storage = await SqliteStorage.open({ dir });
    await storage.persist({ entries: entries(1, 30, 1) });
    for (const i of [5, 10, 20]) await storage.saveSnapshot(snapshot(i, 1));
    await storage.close();
    const names = [...Deno.readDirSync(`${dir}/snapshots`)].map((e) => e.name).sort();
    assert.equal(names.length, 3);
    const newest = `${dir}/snapshots/${names[2]}`;
    const bytes = Deno.readFileSync(newest);
    Deno.writeFileSync(newest, bytes.subarray(0, bytes.length - 7));
    storage = await SqliteStorage.open({ dir });
    const s = await storage.load();
    await storage.close();
    assert.deepEqual(s.snapshot, snapshot(10, 1));
    assert.deepEqual(s.entries, entries(11, 30, 1));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SqliteStorage keeps three snapshot files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jaco-raft-storage-" });
  try {
    const storage = await SqliteStorage.open({ dir });
    await storage.persist({ entries: entries(1, 50, 1) });
    for (const i of [5, 10, 20, 30, 40]) await storage.saveSnapshot(snapshot(i, 1));
    await storage.close();
    const names = [...Deno.readDirSync(`${dir}/snapshots`)].map((e) => e.name).sort();
    assert.deepEqual(names.map((n) => parseInt(n.slice(5, 21), 16)), [20, 30, 40]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
