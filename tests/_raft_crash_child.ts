/**
 * Child process of tests/raft_crash_test.ts: a raft of `<members>` members
 * (1 or 3, all in this process over the in-memory transport, each with its
 * own SQLite storage under `<dir>/<id>`) whose state machine is a set of
 * write ids. A SIGKILL therefore crashes every member at once, like a power
 * loss of the whole cluster.
 *
 * On start it recovers, waits for a leader, commits one marker entry through
 * it (so everything committed before the crash is applied there), writes the
 * leader's recovered ids to `<dir>/recovered.txt`, prints `RECOVERED`, then
 * writes through the leader as fast as it can with 32 writers, printing
 * `ACK <id> <index>` for each write only once the leader applied it.
 *
 * Usage: deno run -A tests/_raft_crash_child.ts <dir> <round> <members>
 */
import {
  type Entry,
  MemoryNetwork,
  RaftDriver,
  type Snapshot,
  SqliteStorage,
} from "../raft/mod.ts";

const [dir, round, memberCount] = Deno.args;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The replicated set of write ids. */
class IdSet {
  ids = new Set<string>();
  apply(entry: Entry): void {
    this.ids.add(decoder.decode(entry.data));
  }
  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify([...this.ids]));
  }
  restore(snapshot: Snapshot): void {
    this.ids = new Set(JSON.parse(decoder.decode(snapshot.data)));
  }
}

const names = Number(memberCount) === 3 ? ["a", "b", "c"] : ["solo"];
const network = new MemoryNetwork();
const members = await Promise.all(names.map(async (id) => {
  const machine = new IdSet();
  const driver = await RaftDriver.start({
    id,
    storage: await SqliteStorage.open({ dir: `${dir}/${id}` }),
    transport: network.transport(id),
    stateMachine: machine,
    bootstrap: { voters: names, learners: [] },
    peers: Object.fromEntries(names.map((n) => [n, n])),
    snapshotEntries: 4096,
    // Fast elections keep 3-member rounds short; the timing is not under test here.
    tickMs: 10,
    electionTicks: 10,
  });
  return { driver, machine };
}));

let leader: (typeof members)[number] | undefined;
while (!(leader = members.find((m) => m.driver.status().role === "leader"))) {
  await new Promise((r) => setTimeout(r, 5));
}
const { driver, machine } = leader;
await driver.propose(encoder.encode(`marker-${round}`));
await Deno.writeTextFile(`${dir}/recovered.txt`, [...machine.ids].join("\n") + "\n");

let pending: string[] = ["RECOVERED"];
function flush() {
  const bytes = encoder.encode(pending.join("\n") + "\n");
  pending = [];
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
