import assert from "node:assert/strict";
import { decodeSnapshotFile, encodeSnapshotFile, SnapshotFiles } from "./snapshot_files.ts";
import type { Snapshot } from "./types.ts";

function snapshot(index: number, size = 100): Snapshot {
  return {
    meta: { index, term: 2, conf: { voters: ["a"], learners: ["b"] } },
    data: new Uint8Array(size).map((_, i) => (i * 7 + index) % 256),
  };
}

Deno.test("encodeSnapshotFile() round-trips through decodeSnapshotFile()", async () => {
  const s = snapshot(42, 5000);
  assert.deepEqual(await decodeSnapshotFile(await encodeSnapshotFile(s)), s);
});

Deno.test("decodeSnapshotFile() rejects every single-byte corruption and truncation", async () => {
  const bytes = await encodeSnapshotFile(snapshot(7, 64));
  for (let i = 0; i < bytes.length; i++) {
    const flipped = bytes.slice();
    flipped[i] ^= 0x01;
    assert.equal(await decodeSnapshotFile(flipped), undefined, `flip at ${i}`);
  }
  for (const cut of [0, 10, bytes.length - 1]) {
    assert.equal(await decodeSnapshotFile(bytes.slice(0, cut)), undefined, `cut at ${cut}`);
  }
});

Deno.test("SnapshotFiles.latest() skips a partial newest file and ignores temp leftovers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jaco-snapfiles-" });
  try {
    const files = new SnapshotFiles(dir, 3);
    await files.write(snapshot(10));
    await files.write(snapshot(20));
    const names = await files.names();
    const newest = `${dir}/${names[0]}`;
    const bytes = await Deno.readFile(newest);
    await Deno.writeFile(newest, bytes.subarray(0, bytes.length / 2));
    await Deno.writeFile(`${dir}/.tmp-snap-00000000000000ff-0000000000000002.snap`, bytes);
    assert.deepEqual(await files.latest(), snapshot(10));
    await files.write(snapshot(30));
    const left = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.ok(!left.some((n) => n.startsWith(".tmp-")), `temp files left: ${left}`);
    assert.deepEqual(await files.indexes(), [30, 20, 10]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
