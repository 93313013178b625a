import assert from "node:assert/strict";
import { gzip } from "./_gzip.ts";
import { readTar, type TarFileInput, writeTar } from "./_tar.ts";
import {
  BACKUP_CHUNK_BYTES,
  chunkArchive,
  readBackupArchive,
  writeBackupArchive,
} from "./backup_archive.ts";
import { encodeBackupMeta } from "./backup_meta.ts";
import { assertJacoError, sampleMeta, sampleSnapshot } from "./_kit_test.ts";

const encoder = new TextEncoder();
const now = new Date("2026-05-25T10:00:00.750Z");
const running = { runningVersion: "1.9.0" };

async function gunzipWeb(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65_536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(at + 65_536, length)));
  }
  return bytes;
}

function file(name: string, data: Uint8Array | string): TarFileInput {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return { name, data: bytes, mode: 0o600, mtimeSeconds: 1 };
}

const goodMeta = encodeBackupMeta(sampleMeta());

/** Sets an entry's typeflag in a tar written by writeTar and recomputes its checksum. */
function retype(tar: Uint8Array<ArrayBuffer>, headerOffset: number, type: string) {
  const header = tar.subarray(headerOffset, headerOffset + 512);
  header[156] = type.charCodeAt(0);
  const sum = header.reduce((total, byte, i) => total + (i >= 148 && i < 156 ? 32 : byte), 0);
  header.set(encoder.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  return tar;
}

Deno.test("writeBackupArchive() round-trips meta and snapshot byte for byte", async () => {
  const snapshot = sampleSnapshot();
  const meta = sampleMeta();
  const archive = await writeBackupArchive({ snapshot, meta, now });
  const read = await readBackupArchive(archive, running);
  assert.deepEqual(read.meta, meta);
  assert.deepEqual(read.snapshot, snapshot);
});

Deno.test("writeBackupArchive() round-trips an empty and a large incompressible snapshot", async () => {
  for (const snapshot of [new Uint8Array(0), randomBytes(300_000)]) {
    const archive = await writeBackupArchive({ snapshot, meta: sampleMeta(), now });
    assert.deepEqual((await readBackupArchive(archive, running)).snapshot, snapshot);
  }
});

Deno.test("writeBackupArchive() writes exactly meta.json then snapshot.bin, 0600, mtime = now", async () => {
  const snapshot = sampleSnapshot(1234);
  const archive = await writeBackupArchive({ snapshot, meta: sampleMeta(), now });
  assert.deepEqual([...archive.subarray(0, 3)], [0x1f, 0x8b, 0x08]); // gzip, deflate
  const entries = readTar(await gunzipWeb(archive));
  assert.deepEqual(
    entries.map((entry) => [entry.name, entry.type, entry.mode, entry.mtimeSeconds]),
    [
      ["meta.json", "0", 0o600, Math.floor(now.getTime() / 1000)],
      ["snapshot.bin", "0", 0o600, Math.floor(now.getTime() / 1000)],
    ],
  );
  assert.equal(new TextDecoder().decode(entries[0].data), goodMeta);
  assert.deepEqual(entries[1].data, snapshot);
});

Deno.test("writeBackupArchive() is deterministic apart from the mtime", async () => {
  const options = { snapshot: sampleSnapshot(), meta: sampleMeta(), now };
  const first = await writeBackupArchive(options);
  assert.deepEqual(await writeBackupArchive(options), first);
  const later = await writeBackupArchive({ ...options, now: new Date(now.getTime() + 1000) });
  assert.notDeepEqual(later, first);
  const [a, b] = [readTar(await gunzipWeb(first)), readTar(await gunzipWeb(later))];
  assert.deepEqual(b.map((entry) => entry.mtimeSeconds - 1), a.map((entry) => entry.mtimeSeconds));
});

Deno.test("writeBackupArchive() refuses an invalid meta or time", async () => {
  await assert.rejects(
    () =>
      writeBackupArchive({ snapshot: new Uint8Array(1), meta: sampleMeta({ clusterId: "" }), now }),
    (error) => assertJacoError(error, { code: "validation_failed", message: /cluster_id/ }),
  );
  await assert.rejects(
    () =>
      writeBackupArchive({ snapshot: new Uint8Array(1), meta: sampleMeta(), now: new Date(NaN) }),
    RangeError,
  );
});

Deno.test("chunkArchive() yields 64 KiB views that concatenate to the archive", async () => {
  const archive = await writeBackupArchive({
    snapshot: randomBytes(200_000),
    meta: sampleMeta(),
    now,
  });
  const chunks = [...chunkArchive(archive)];
  assert.equal(chunks.length, Math.ceil(archive.length / BACKUP_CHUNK_BYTES));
  assert.ok(chunks.slice(0, -1).every((chunk) => chunk.length === BACKUP_CHUNK_BYTES));
  assert.ok(chunks.at(-1)!.length > 0 && chunks.at(-1)!.length <= BACKUP_CHUNK_BYTES);
  const joined = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  chunks.reduce((at, chunk) => (joined.set(chunk, at), at + chunk.length), 0);
  assert.deepEqual(joined, archive);
  assert.deepEqual([...chunkArchive(new Uint8Array(0))], []);
  assert.deepEqual([...chunkArchive(new Uint8Array(5), 2)].map((chunk) => chunk.length), [2, 2, 1]);
  assert.throws(() => [...chunkArchive(archive, 0)], RangeError);
});

Deno.test("readBackupArchive() accepts any version when either major is empty", async () => {
  const archive = await writeBackupArchive({
    snapshot: sampleSnapshot(10),
    meta: sampleMeta({ jacoVersion: "" }),
    now,
  });
  assert.equal(
    (await readBackupArchive(archive, { runningVersion: "7.0.0" })).meta.jacoVersion,
    "",
  );
  const v2 = await writeBackupArchive({ snapshot: sampleSnapshot(10), meta: sampleMeta(), now });
  assert.ok(await readBackupArchive(v2, { runningVersion: "" }));
});

interface RefusalCase {
  name: string;
  archive: () => Promise<Uint8Array<ArrayBuffer>>;
  code?: string;
  message: string | RegExp;
  details: Record<string, string>;
  runningVersion?: string;
  maxArchiveBytes?: number;
}

const tarOf = (...files: TarFileInput[]) => gzip(writeTar(files));
const valid = () => tarOf(file("meta.json", goodMeta), file("snapshot.bin", sampleSnapshot(600)));

const refusals: RefusalCase[] = [
  {
    name: "plain tar (not gzip)",
    archive: () => Promise.resolve(writeTar([file("meta.json", goodMeta)])),
    message: "backup is not gzip-compressed (no gzip magic)",
    details: { reason: "not_gzip" },
  },
  {
    name: "empty file",
    archive: () => Promise.resolve(new Uint8Array(0)),
    message: /^backup is not gzip/,
    details: { reason: "not_gzip" },
  },
  {
    name: "gzip with a flipped CRC",
    archive: async () => {
      const bytes = await valid();
      bytes[bytes.length - 6] ^= 0xff;
      return bytes;
    },
    message: /^corrupt gzip in backup: /,
    details: { reason: "corrupt_gzip" },
  },
  {
    name: "truncated gzip",
    archive: async () => (await valid()).slice(0, 200),
    message: /^corrupt gzip in backup: /,
    details: { reason: "corrupt_gzip" },
  },
  {
    name: "gzip with trailing garbage",
    archive: async () => {
      const bytes = await valid();
      const out = new Uint8Array(bytes.length + 3);
      out.set(bytes);
      out.set([1, 2, 3], bytes.length);
      return out;
    },
    message: /^corrupt gzip in backup: /,
    details: { reason: "corrupt_gzip" },
  },
  {
    name: "gzip of bytes that are not a tar",
    archive: () => gzip(new Uint8Array(1024).fill(0x41)),
    message: /^corrupt tar in backup: /,
    details: { reason: "corrupt_tar" },
  },
  {
    name: "tar cut inside an entry",
    archive: () => gzip(writeTar([file("snapshot.bin", sampleSnapshot(5000))]).slice(0, 2048)),
    message: /^corrupt tar in backup: .*runs past the end/,
    details: { reason: "corrupt_tar" },
  },
  {
    name: "a third entry",
    archive: () =>
      tarOf(file("meta.json", goodMeta), file("snapshot.bin", "s"), file("notes.txt", "hi")),
    message: "unexpected tar entry: notes.txt",
    details: { reason: "unexpected_entry", entry: "notes.txt" },
  },
  {
    name: "a ./-prefixed name",
    archive: () => tarOf(file("./meta.json", goodMeta), file("snapshot.bin", "s")),
    message: "unexpected tar entry: ./meta.json",
    details: { reason: "unexpected_entry", entry: "./meta.json" },
  },
  {
    name: "snapshot.bin as a directory",
    archive: () =>
      gzip(retype(writeTar([file("meta.json", goodMeta), file("snapshot.bin", "")]), 1024, "5")),
    message: "unexpected tar entry: snapshot.bin",
    details: { reason: "unexpected_entry", entry: "snapshot.bin", type: "5" },
  },
  {
    name: "meta.json as a symlink",
    archive: () =>
      gzip(retype(writeTar([file("meta.json", ""), file("snapshot.bin", "s")]), 0, "2")),
    message: "unexpected tar entry: meta.json",
    details: { reason: "unexpected_entry", entry: "meta.json", type: "2" },
  },
  {
    name: "snapshot.bin twice",
    archive: () =>
      tarOf(file("meta.json", goodMeta), file("snapshot.bin", "a"), file("snapshot.bin", "b")),
    message: "duplicate tar entry: snapshot.bin",
    details: { reason: "duplicate_entry", entry: "snapshot.bin" },
  },
  {
    name: "no meta.json",
    archive: () => tarOf(file("snapshot.bin", "s")),
    message: "backup is missing meta.json",
    details: { reason: "missing_entry", entry: "meta.json" },
  },
  {
    name: "no snapshot.bin",
    archive: () => tarOf(file("meta.json", goodMeta)),
    message: "backup is missing snapshot.bin",
    details: { reason: "missing_entry", entry: "snapshot.bin" },
  },
  {
    name: "an empty tar",
    archive: () => tarOf(),
    message: "backup is missing meta.json",
    details: { reason: "missing_entry", entry: "meta.json" },
  },
  {
    name: "meta.json that is not JSON",
    archive: () => tarOf(file("meta.json", "{ schema_version: 1"), file("snapshot.bin", "s")),
    message: /^malformed meta\.json: /,
    details: { reason: "malformed_meta", field: "meta.json" },
  },
  {
    name: "meta.json that is not UTF-8",
    archive: () =>
      tarOf(file("meta.json", new Uint8Array([0x7b, 0xff, 0x7d])), file("snapshot.bin", "s")),
    message: "malformed meta.json: not valid UTF-8",
    details: { reason: "malformed_meta", field: "meta.json" },
  },
  {
    name: "meta.json of 100 KiB",
    archive: () =>
      tarOf(file("meta.json", `{"pad":"${"x".repeat(100_000)}"}`), file("snapshot.bin", "s")),
    message: /^malformed meta\.json: \d+ bytes exceeds/,
    details: { reason: "malformed_meta", field: "meta.json" },
  },
  {
    name: "meta.json without snapshot_term",
    archive: () => {
      const record = JSON.parse(goodMeta);
      delete record.snapshot_term;
      return tarOf(file("meta.json", JSON.stringify(record)), file("snapshot.bin", "s"));
    },
    message: /^malformed meta\.json: snapshot_term /,
    details: { reason: "malformed_meta", field: "snapshot_term" },
  },
  {
    name: "schema_version 2",
    archive: () =>
      tarOf(
        file("meta.json", JSON.stringify({ ...JSON.parse(goodMeta), schema_version: 2 })),
        file("snapshot.bin", "s"),
      ),
    message: /^backup schema mismatch: schema_version 2/,
    details: { reason: "schema_mismatch", field: "schema_version", value: "2" },
  },
  {
    name: "a backup from major 2 restored by major 1",
    archive: () =>
      tarOf(
        file("meta.json", encodeBackupMeta(sampleMeta({ jacoVersion: "2.0.0" }))),
        file("snapshot.bin", "s"),
      ),
    message:
      /^incompatible version: backup jaco_version "2\.0\.0" \(major 2\) .*"v1\.9\.0" \(major 1\)$/,
    details: { reason: "incompatible_version", value: "2.0.0", running_version: "v1.9.0" },
    runningVersion: "v1.9.0",
  },
  {
    name: "an archive over the size cap",
    archive: valid,
    message: "backup is larger than 2048 bytes uncompressed",
    details: { reason: "too_large", max_bytes: "2048" },
    maxArchiveBytes: 2048,
  },
];

Deno.test("readBackupArchive() applies every refusal rule of §8.2", async (t) => {
  for (const refusal of refusals) {
    await t.step(refusal.name, async () => {
      const archive = await refusal.archive();
      await assert.rejects(
        () =>
          readBackupArchive(archive, {
            runningVersion: refusal.runningVersion ?? running.runningVersion,
            maxArchiveBytes: refusal.maxArchiveBytes,
          }),
        (error) =>
          assertJacoError(error, {
            code: refusal.code ?? "validation_failed",
            message: refusal.message,
            details: refusal.details,
          }),
      );
    });
  }
});

Deno.test("readBackupArchive() accepts the hand-built valid archive the refusal cases start from", async () => {
  const { meta, snapshot } = await readBackupArchive(await valid(), running);
  assert.deepEqual(meta, sampleMeta());
  assert.deepEqual(snapshot, sampleSnapshot(600));
});
