/**
 * Crash durability of the raft driver on SQLite: a child process writes as
 * fast as it can and prints every acknowledged (committed and applied) write;
 * we SIGKILL it at a random moment, restart it on the same data dir, and
 * check that every acknowledged write survived. 50 rounds.
 */
import assert from "node:assert/strict";

const ROUNDS = 50;
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

Deno.test("raft on SQLite keeps every acknowledged write across 50 SIGKILLs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jaco-raft-crash-" });
  const acked = new Map<string, string>();
  let seed = Date.now() % 2147483647;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      // Everything acknowledged by earlier incarnations (this round's acks come after recovery).
      const mustSurvive = [...acked.keys()];
      const proc = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", child, dir, String(round)],
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
      if (round === ROUNDS) {
        proc.kill("SIGKILL");
      } else {
        await new Promise((r) => setTimeout(r, 20 + random() * 400));
        proc.kill("SIGKILL");
      }
      await proc.status;
      await reading;
    }
    assert.ok(acked.size > ROUNDS * 10, `only ${acked.size} writes acknowledged`);
    console.log(`crash test: ${ROUNDS} kills, ${acked.size} acknowledged writes, none lost`);
  } finally {
    if (Deno.env.get("JACO_KEEP_CRASH_DIR")) console.log("kept", dir);
    else await Deno.remove(dir, { recursive: true });
  }
});
