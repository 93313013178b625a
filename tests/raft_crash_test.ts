/**
 * Crash durability of the raft driver on SQLite: a child process writes as
 * fast as it can and prints every acknowledged (committed and applied) write;
 * we SIGKILL it at a random moment, restart it on the same data dir, and
 * check that every acknowledged write survived: 50 rounds of a single member,
 * then 15 rounds of three members in one process (the whole cluster crashes
 * at once, so acknowledged writes must be durable on a quorum, not in memory).
 */
import assert from "node:assert/strict";

const child = new URL("./_raft_crash_child.ts", import.meta.url).pathname;

/** Reads stdout lines into `lines` until the stream ends; resolves `ready` on RECOVERED. */
async function collect(
  stream: ReadableStream<Uint8Array>,
  acked: Map<string, string>,
  onRecovered: () => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let carry = "";
  for await (const chunk of stream) {
    carry += decoder.decode(chunk, { stream: true });
    const lines = carry.split("\n");
    carry = lines.pop()!; // a line cut by the kill is not an acknowledgement
    for (const line of lines) {
      if (line.startsWith("RECOVERED")) onRecovered();
      else if (line.startsWith("ACK ")) acked.set(line.split(" ")[1], line);
    }
  }
}

async function recovered(dir: string): Promise<Set<string>> {
  return new Set((await Deno.readTextFile(`${dir}/recovered.txt`)).split("\n").filter(Boolean));
}

/** Runs `rounds` kill/restart cycles of a `members`-member child; returns the acknowledged count. */
async function crashRounds(members: number, rounds: number): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "jaco-raft-crash-" });
  const acked = new Map<string, string>();
  let seed = Date.now() % 2147483647;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  try {
    for (let round = 0; round <= rounds; round++) {
      // Everything acknowledged by earlier incarnations (this round's acks come after recovery).
      const mustSurvive = [...acked.keys()];
      const proc = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", child, dir, String(round), String(members)],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const { promise: ready, resolve } = Promise.withResolvers<void>();
      const reading = collect(proc.stdout, acked, resolve);
      const timeout = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      await Promise.race([ready, proc.status]);
      clearTimeout(timeout);
      const status = await Promise.race([proc.status, Promise.resolve(undefined)]);
      assert.equal(status, undefined, `round ${round}: child did not restart (${dir})`);

      const present = await recovered(dir);
      const lost = mustSurvive.filter((id) => !present.has(id)).map((id) => acked.get(id));
      assert.deepEqual(
        lost.slice(0, 10),
        [],
        `round ${round}: ${lost.length} acknowledged writes lost`,
      );
      // The last round only proves the final restart; kill it at once.
      if (round < rounds) await new Promise((r) => setTimeout(r, 20 + random() * 400));
      proc.kill("SIGKILL");
      await proc.status;
      await reading;
    }
    assert.ok(acked.size > rounds * 10, `only ${acked.size} writes acknowledged`);
    return acked.size;
  } finally {
    if (Deno.env.get("JACO_KEEP_CRASH_DIR")) console.log("kept", dir);
    else await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("raft on SQLite keeps every acknowledged write across 50 SIGKILLs of one member", async () => {
  const count = await crashRounds(1, 50);
  console.log(`crash test (1 member): 50 kills, ${count} acknowledged writes, none lost`);
});

Deno.test("raft on SQLite keeps every acknowledged write across 15 whole-cluster SIGKILLs", async () => {
  const count = await crashRounds(3, 15);
  console.log(`crash test (3 members): 15 kills, ${count} acknowledged writes, none lost`);
});
