/**
 * Child process of tests/raft_crash_test.ts: a single-member raft on SQLite
 * storage in `<dir>` whose state machine is a set of write ids.
 *
 * On start it recovers, commits one marker entry (so everything committed
 * before the crash is applied), writes the recovered ids to
 * `<dir>/recovered.txt`, prints `RECOVERED`, then writes as fast as it can
 * with 32 writers, printing `ACK <id>` for each write only once it is applied.
 *
 * Usage: deno run -A tests/_raft_crash_child.ts <dir> <round>
 */
import { type Entry, RaftDriver, type Snapshot, SqliteStorage } from "../raft/mod.ts";
import { MemoryNetwork } from "../raft/mod.ts";

const [dir, round] = Deno.args;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const ids = new Set<string>();
const machine = {
  apply(entry: Entry) {
    ids.add(decoder.decode(entry.data));
  },
  snapshot() {
    return encoder.encode(JSON.stringify([...ids]));
  },
  restore(snapshot: Snapshot) {
    ids.clear();
    for (const id of JSON.parse(decoder.decode(snapshot.data))) ids.add(id);
  },
};

const driver = await RaftDriver.start({
  id: "solo",
  storage: await SqliteStorage.open({ dir: `${dir}/raft` }),
  transport: new MemoryNetwork().transport("solo"),
  stateMachine: machine,
  bootstrap: { voters: ["solo"], learners: [] },
  snapshotEntries: 4096,
});

while (driver.status().role !== "leader") await new Promise((r) => setTimeout(r, 5));
await driver.propose(encoder.encode(`marker-${round}`));
await Deno.writeTextFile(`${dir}/recovered.txt`, [...ids].join("\n") + "\n");

let pending: string[] = [`RECOVERED ${driver.status().lastIndex} ${driver.status().commit}`];
function flush() {
  const text = pending.join("\n") + "\n";
  pending = [];
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}
flush();

let seq = 0;
async function writer(): Promise<void> {
  for (;;) {
    const id = `${round}-${seq++}`;
    const { index } = await driver.propose(encoder.encode(id));
    if (pending.length === 0) queueMicrotask(flush);
    pending.push(`ACK ${id} ${index}`);
  }
}
await Promise.all(Array.from({ length: 32 }, writer));
